/** Small DOM builders the panels share. */

/** A new element with an optional class and text. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A line of grey text standing in for a panel that has nothing to show yet. */
export const note = (text: string): HTMLParagraphElement => element('p', 'note', text);
