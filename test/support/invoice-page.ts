/**
 * Test helpers for the hosted invoice page: read its Pay form as a browser would, and pay an invoice by posting
 * it over real HTTP with the page's own `Origin`, never following the redirect.
 */

/** The Pay form's action and hidden fields, read from the page (fails the test when the page has none). */
export function payForm(body: string): { action: string; fields: Record<string, string> } {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(body);
  if (form === null) throw new Error(`no Pay form on the page:\n${body}`);
  const fields: Record<string, string> = {};
  for (const input of (form[2] as string).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[input[1] as string] = input[2] as string;
  }
  return { action: form[1] as string, fields };
}

/** Opens `hostedInvoiceUrl`, posts its Pay form as the page would, and returns the answer's status (303: paid). */
export async function payOnHostedPage(hostedInvoiceUrl: string): Promise<number> {
  const page = await fetch(hostedInvoiceUrl, { redirect: 'manual' });
  const { action, fields } = payForm(await page.text());
  const target = new URL(action, hostedInvoiceUrl);
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: target.origin },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  await response.text();
  return response.status;
}
