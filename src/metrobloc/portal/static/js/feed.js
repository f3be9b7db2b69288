// Keeps the live feed short: after the SSE extension adds an item, older ones beyond the limit go.

const KEEP = 20;

document.addEventListener('htmx:afterSettle', () => {
  for (const list of document.querySelectorAll('ol.feed')) {
    while (list.children.length > KEEP) list.lastElementChild.remove();
  }
});
