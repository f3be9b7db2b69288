// The election page's verification (docs/spec/ballots.md §9): in the section.ballots-verify, fetch the
// election's record and every current ballot from this node, re-check them here with
// js/verify/ballots.js and write each step's outcome beside it ([data-outcome]). The node is never
// asked whether the election is right (ARCHITECTURE.md §7); the chain id is the one of the page.
// Small elections (data-auto) are checked as the page loads; the button checks any election again.

import { verifyElection } from './verify/ballots.js';

async function json(url) {
  const answer = await fetch(url, { credentials: 'omit', headers: { Accept: 'application/json' } });
  if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
  return answer.json();
}

async function allBallots(url) {
  const out = [];
  let cursor = null;
  do {
    const page = await json(cursor === null ? `${url}?limit=100` : `${url}?limit=100&cursor=${encodeURIComponent(cursor)}`);
    out.push(...page.ballots);
    cursor = page.next;
  } while (cursor !== null);
  return out;
}

const repaint = () => new Promise((resolve) => setTimeout(resolve, 0));

function show(element, ok, text) {
  element.textContent = text;
  element.classList.toggle('ok', ok === true);
  element.classList.toggle('state-ok', ok === true);
  element.classList.toggle('failed', ok === false);
  element.classList.toggle('state-failed', ok === false);
}

async function check(section, button) {
  const status = section.querySelector('.verify-status');
  const outcomes = new Map([...section.querySelectorAll('[data-outcome]')].map((e) => [e.dataset.outcome, e]));
  button.disabled = true;
  outcomes.forEach((element) => show(element, null, 'Checking in your browser…'));
  status.textContent = 'Fetching the record and the ballots…';
  try {
    const { record: recordUrl, ballots: ballotsUrl, chainId } = section.dataset;
    const [record, ballots] = await Promise.all([json(recordUrl), allBallots(ballotsUrl)]);
    const started = performance.now();
    const steps = await verifyElection(record, ballots, chainId, async (text) => {
      status.textContent = `Checking: ${text}…`;
      await repaint();
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    for (const [name, element] of outcomes) {
      const step = steps.find((s) => s.name === name);
      if (step === undefined) show(element, null, 'Not checked: this step needs the earlier ones, or the election is not there yet.');
      else show(element, step.ok, `Your browser's check: ${step.ok ? 'passed' : 'FAILED'} (${step.detail})`);
    }
    const failed = steps.filter((s) => !s.ok).length;
    status.textContent = failed
      ? `${failed} of ${steps.length} steps FAILED in your browser (${ballots.length} ballots, ${seconds} s).`
      : `All ${steps.length} steps passed in your browser (${ballots.length} ballots, ${seconds} s), at the height this page reflects or later.`;
    section.dataset.verified = failed ? 'failed' : 'passed';
  } catch (error) {
    status.textContent = `Could not check in your browser: ${error.message}`;
    outcomes.forEach((element) => show(element, false, 'Not checked (see above).'));
    section.dataset.verified = 'error';
  }
  button.disabled = false;
}

for (const section of document.querySelectorAll('section.ballots-verify')) {
  const button = section.querySelector('button.verify-election');
  if (button === null) continue;
  button.hidden = false;
  button.addEventListener('click', () => check(section, button));
  if (section.dataset.auto) check(section, button);
}
