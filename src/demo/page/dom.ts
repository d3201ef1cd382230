/**
 * Building DOM without HTML strings: every piece of text goes in through `textContent` (a text node), every
 * attribute through `setAttribute`, and links only get `http(s)` URLs. Nothing the server sends is ever parsed
 * as markup.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  /** Plain attributes (`aria-*`, `role`, `type`, …); values are set as text, never parsed. */
  attrs?: Readonly<Record<string, string>>;
  /** `data-*` attributes, by their dataset name (`invoiceId` → `data-invoice-id`). */
  data?: Readonly<Record<string, string>>;
  disabled?: boolean;
  hidden?: boolean;
  onClick?: () => void;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class !== undefined) element.className = props.class;
  if (props.id !== undefined) element.id = props.id;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const [name, value] of Object.entries(props.data ?? {})) element.dataset[name] = value;
  if (props.disabled !== undefined && 'disabled' in element) (element as HTMLButtonElement).disabled = props.disabled;
  if (props.hidden !== undefined) element.hidden = props.hidden;
  if (props.onClick !== undefined) element.addEventListener('click', props.onClick);
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The URL if it is an absolute http(s) URL, else undefined: a `javascript:` link can never be rendered. */
export function safeHttpUrl(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link that opens in a new tab, or a muted dash when there is no usable URL. */
export function externalLink(label: string, raw: string | null | undefined, props: Props = {}): HTMLElement {
  const href = safeHttpUrl(raw);
  if (href === undefined) return h('span', { class: 'none', attrs: { 'aria-hidden': 'true' } }, '—');
  return h('a', { ...props, attrs: { ...props.attrs, href, target: '_blank', rel: 'noopener noreferrer' } }, label);
}
