/**
 * Pieces the demo page's views share: the page's two mount points, an alert, a summary figure, a section that
 * could not be loaded, the empty-state icon.
 */
import { h, type Child } from './dom.js';

/** Where the views render: the main area, and the header's account corner. */
export const app = document.getElementById('app') as HTMLElement;
export const account = document.getElementById('account') as HTMLElement;

export function alertBox(kind: 'error' | 'info', title: string, detail?: string, action?: { label: string; run: () => void }): HTMLElement {
  return h(
    'div',
    { class: `alert ${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
    h('div', { class: 'text' }, h('strong', {}, title), detail),
    action !== undefined ? h('button', { attrs: { type: 'button' }, onClick: action.run }, action.label) : null,
  );
}

export function stat(label: string, value: Child, note?: string, id?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat', ...(id !== undefined ? { id } : {}) },
    h('span', { class: 'label' }, label),
    value,
    note !== undefined ? h('span', { class: 'note' }, note) : null,
  );
}

/** A section's content when the gateway could not load its part: its heading and a note, the rest of the page as is. */
export function unavailableSection(id: string, title: string): HTMLElement[] {
  return [
    h('div', { class: 'card-head' }, h('h2', { id: `${id}-title` }, title)),
    h('div', { class: 'panel-body', data: { unavailable: 'true' } }, h('p', { class: 'muted' }, 'This could not be loaded just now. Reload the page to try again.')),
  ];
}

export function svgIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '24');
  svg.setAttribute('height', '24');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.8');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.setAttribute('aria-hidden', 'true');
  for (const d of ['M6 2h9l5 5v15H6z', 'M14 2v6h6', 'M9 13h6', 'M9 17h4']) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}
