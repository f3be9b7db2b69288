// Shows what js/verify.js found: the outcome, the genesis SHA-256 and every step, built with DOM
// nodes and textContent only (what is shown comes from pasted or fetched documents).

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const MARKS = { true: ['passed', 'step-ok'], false: ['failed', 'step-failed'], null: ['not reached', 'step-skipped'] };
const SET_STEPS = ['set-change', 'set-count'];

function stepItem(step) {
  const [word, className] = MARKS[String(step.ok)] || MARKS.null;
  const item = el('li', className);
  item.dataset.step = step.step;
  item.append(el('strong', '', `${step.label}: ${word}`));
  const detail = step.ok === false && step.code ? `${step.code}: ${step.detail || ''}` : step.detail || '';
  if (detail) item.append(el('span', 'detail', ` — ${detail}`));
  return item;
}

/**
 * The consortium's set changes followed from the genesis (the `set-change` and `set-count` steps)
 * as one collapsible item: open when one of them failed, closed otherwise.
 */
function setGroup(setSteps) {
  const failed = setSteps.some((s) => s.ok === false);
  const changes = setSteps.filter((s) => s.step === 'set-change').length;
  const item = el('li', failed ? 'step-failed' : 'step-ok');
  item.dataset.step = 'set-history';
  const details = el('details', 'set-history');
  details.open = failed;
  details.append(el('summary', '', `Node keys in force: ${changes} set change entr${changes === 1 ? 'y' : 'ies'} followed from the genesis, ${failed ? 'failed' : 'passed'}`));
  const inner = el('ol', 'steps');
  for (const step of setSteps) inner.append(stepItem(step));
  details.append(inner);
  item.append(details);
  return item;
}

/** "(3 of 4 node keys in force at 7; 3 set changes followed from genesis)" for a valid result. */
function keysLine(result) {
  if (!result.keys) return '';
  const changes = result.setChanges ? `; ${result.setChanges} set change(s) followed from genesis` : '';
  return ` (${result.attesters.length} of ${result.keys.size} node keys in force at ${result.keys.height}${changes})`;
}

/** Replace `container`'s content with a verifyBundle() result. */
export function showBundleResult(container, result) {
  container.replaceChildren();
  const outcome = result.ok
    ? `Valid: the receipt of transaction ${result.receipt.tx_hash} is in the log under block ${result.header.height}, signed by ${result.attesters.join(', ')}${keysLine(result)}.`
    : `Not valid (${result.code}): ${result.reason}`;
  container.append(el('p', result.ok ? 'outcome outcome-ok' : 'outcome outcome-failed', outcome));
  if (result.genesisSha256) {
    const line = el('p', 'genesis-sha', 'SHA-256 of the trusted genesis: ');
    line.append(el('code', 'hash', result.genesisSha256));
    line.append(' (compare it with the value the consortium publishes).');
    container.append(line);
  }
  const steps = el('ol', 'steps');
  const all = result.steps || [];
  const setSteps = all.filter((s) => SET_STEPS.includes(s.step));
  for (const step of all) {
    if (!SET_STEPS.includes(step.step)) steps.append(stepItem(step));
    else if (step === setSteps[0]) steps.append(setGroup(setSteps));
  }
  container.append(steps);
}

/** Replace `container`'s content with a simple outcome ({ok, code, reason}). */
export function showOutcome(container, result, okText) {
  container.replaceChildren();
  const text = result.ok ? okText : `Not valid (${result.code}): ${result.reason}`;
  container.append(el('p', result.ok ? 'outcome outcome-ok' : 'outcome outcome-failed', text));
}
