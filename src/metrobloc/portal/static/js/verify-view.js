// Shows what js/verify.js found: the outcome, the genesis SHA-256 and every step, built with DOM
// nodes and textContent only (what is shown comes from pasted or fetched documents).

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const MARKS = { true: ['passed', 'step-ok'], false: ['failed', 'step-failed'], null: ['not reached', 'step-skipped'] };

/** Replace `container`'s content with a verifyBundle() result. */
export function showBundleResult(container, result) {
  container.replaceChildren();
  const outcome = result.ok
    ? `Valid: the receipt of transaction ${result.receipt.tx_hash} is in the log under block ${result.header.height}, signed by ${result.attesters.join(', ')}.`
    : `Not valid (${result.code}): ${result.reason}`;
  container.append(el('p', result.ok ? 'outcome outcome-ok' : 'outcome outcome-failed', outcome));
  if (result.genesisSha256) {
    const line = el('p', 'genesis-sha', 'SHA-256 of the trusted genesis: ');
    line.append(el('code', 'hash', result.genesisSha256));
    line.append(' (compare it with the value the consortium publishes).');
    container.append(line);
  }
  const steps = el('ol', 'steps');
  for (const step of result.steps || []) {
    const [word, className] = MARKS[String(step.ok)] || MARKS.null;
    const item = el('li', className);
    item.dataset.step = step.step;
    item.append(el('strong', '', `${step.label}: ${word}`));
    const detail = step.ok === false && step.code ? `${step.code}: ${step.detail || ''}` : step.detail || '';
    if (detail) item.append(el('span', 'detail', ` — ${detail}`));
    steps.append(item);
  }
  container.append(steps);
}

/** Replace `container`'s content with a simple outcome ({ok, code, reason}). */
export function showOutcome(container, result, okText) {
  container.replaceChildren();
  const text = result.ok ? okText : `Not valid (${result.code}): ${result.reason}`;
  container.append(el('p', result.ok ? 'outcome outcome-ok' : 'outcome outcome-failed', text));
}
