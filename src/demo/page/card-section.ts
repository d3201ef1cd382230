/** "Payment method": the card on file (brand •••• last4, expiry), or that there is none. Never a full number: the gateway has none. */
import { h, type Child } from './dom.js';
import { cardExpiryLabel, cardNumberLabel, type CardOnFile } from './plan-format.js';

export function cardSection(method: CardOnFile | null): Child[] {
  const head = h('div', { class: 'card-head' }, h('h2', { id: 'card-title' }, 'Payment method'));
  const card = method?.card ?? null;
  if (card === null) {
    const none = method === null;
    return [
      head,
      h(
        'div',
        { class: 'panel-body', id: 'no-card' },
        h('p', { class: 'card-number' }, none ? 'No card on file' : 'A payment method other than a card'),
        none ? h('p', { class: 'muted' }, 'Add one in the billing portal so that invoices can be paid automatically.') : null,
      ),
    ];
  }
  const expiry = cardExpiryLabel(card);
  return [
    head,
    h(
      'div',
      { class: 'panel-body', data: { paymentMethodId: method!.id } },
      h('p', { class: 'card-number' }, h('span', { class: 'card-brand' }, cardNumberLabel(card))),
      h('p', { class: expiry.expired ? 'card-expiry expired' : 'card-expiry muted' }, expiry.text),
    ),
  ];
}

export function cardSkeleton(): Child[] {
  return [
    h('div', { class: 'card-head' }, h('h2', { id: 'card-title' }, 'Payment method')),
    h('div', { class: 'panel-body', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'skeleton w-l' }), h('span', { class: 'skeleton w-m' })),
  ];
}
