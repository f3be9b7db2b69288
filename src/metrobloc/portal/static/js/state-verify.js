// "Verify in your browser" for current state (docs/spec/state-proofs.md section 4). In a section with
// a `verify-state` button, every element with data-state-key names a state key (docs/spec/state.md)
// and says what the page shows for it; the button fetches the key's state bundle and this node's
// genesis, checks them here with js/verify.js, and writes beside each element whether the chain,
// under a header its consortium attested, holds what the page shows. As on the tx page, the genesis
// is the one this node serves.
//
// data-state-kind="amount": data-state-expect is the units shown, in decimal digits (an absent key
// holds 0). data-state-kind="record": data-state-expect is JSON, an object whose members the
// key's JSON record must hold with the same values, or null for a key that must hold nothing.
// data-state-what, when given, names what the check proves (its words come before the verdict).

import { bytesToHex, jcs, parseStrictJSON, verifyStateBundle } from './verify.js';

async function text(url) {
  const answer = await fetch(url, { credentials: 'omit', headers: { Accept: 'application/json' } });
  if (!answer.ok) throw Object.assign(new Error(`${url} answered ${answer.status}`), { code: 'portal.fetch_failed' });
  return answer.text();
}

const same = (a, b) => bytesToHex(jcs(a)) === bytesToHex(jcs(b));

/** What differs between the proven value and what the page shows, in words, or null. */
const DIFFERENCE = {
  amount(value, shown) {
    const held = value ?? '0';
    return held === shown ? null : `the chain holds ${held} units, this page shows ${shown}`;
  },
  record(value, shown) {
    const expected = parseStrictJSON(shown);
    if (expected === null) return value === null ? null : 'the chain holds a record under this key, this page shows none';
    if (value === null) return 'the chain holds nothing under this key';
    const record = parseStrictJSON(value);
    const differ = Object.keys(expected).filter((name) => !Object.hasOwn(record, name) || !same(record[name], expected[name]));
    return differ.length ? `the chain's record differs from this page in ${differ.join(', ')}` : null;
  },
};

function judge(element, result) {
  const { stateKey: key, stateKind: kind, stateExpect: shown } = element.dataset;
  if (!result.ok) return { ok: false, text: `✗ not verified (${result.code}): ${result.reason}` };
  if (result.key !== key) {
    return { ok: false, text: `✗ not verified (portal.wrong_key): the node proved ${JSON.stringify(result.key)}, not ${JSON.stringify(key)}` };
  }
  const difference = DIFFERENCE[kind](result.value, shown);
  const height = result.header.height;
  if (difference) return { ok: false, text: `✗ differs at height ${height} (portal.state_differs): ${difference}` };
  return { ok: true, text: `✓ verified in your browser at height ${height} by ${result.attesters.join(', ')}`, sha: result.genesisSha256 };
}

async function checkOne(element, proofUrl, genesis) {
  let outcome;
  try {
    const bundle = await text(`${proofUrl}?key=${encodeURIComponent(element.dataset.stateKey)}`);
    outcome = judge(element, verifyStateBundle(bundle, await genesis));
  } catch (error) {
    outcome = { ok: false, text: `✗ could not check (${error.code || 'portal.error'}): ${error.message}` };
  }
  const what = element.dataset.stateWhat;
  element.textContent = what ? `${what}: ${outcome.text}` : outcome.text;
  element.classList.toggle('state-ok', outcome.ok);
  element.classList.toggle('state-failed', !outcome.ok);
  return outcome;
}

function summary(outcomes) {
  const passed = outcomes.filter((o) => o.ok);
  const counted = `${passed.length} of ${outcomes.length} verified in your browser`;
  if (!passed.length) return `${counted}.`;
  return `${counted}, against the genesis this node serves (SHA-256 ${passed[0].sha}); ` +
    'compare it with the one the consortium publishes to trust the result without trusting this node.';
}

async function check(button) {
  const section = button.closest('section');
  const elements = [...section.querySelectorAll('[data-state-key]')];
  const status = section.querySelector('.state-result');
  button.disabled = true;
  status.textContent = 'Checking…';
  elements.forEach((element) => {
    element.textContent = 'Checking…';
    element.classList.remove('state-ok', 'state-failed');
  });
  const genesis = text(button.dataset.genesis);
  genesis.catch(() => {}); // each check reports the failure itself
  const outcomes = await Promise.all(elements.map((element) => checkOne(element, button.dataset.stateProof, genesis)));
  status.textContent = summary(outcomes);
  button.disabled = false;
}

for (const button of document.querySelectorAll('button.verify-state')) {
  button.hidden = false;
  button.addEventListener('click', () => check(button));
}
