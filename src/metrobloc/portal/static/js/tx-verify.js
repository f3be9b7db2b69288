// "Verify in your browser" on a tx page: fetches the tx's proof bundle and this node's genesis and
// checks them here with js/verify.js. The page says that this genesis came from the node itself;
// the verify page checks against a genesis from elsewhere.

import { verifyBundle } from './verify.js';
import { showBundleResult } from './verify-view.js';

const button = document.getElementById('verify-tx');
const output = document.getElementById('verify-result');

async function text(url) {
  const answer = await fetch(url, { credentials: 'omit', headers: { Accept: 'application/json' } });
  if (!answer.ok) throw Object.assign(new Error(`${url} answered ${answer.status}`), { code: 'portal.fetch_failed' });
  return answer.text();
}

async function check() {
  button.disabled = true;
  output.replaceChildren(document.createTextNode('Checking…'));
  let result;
  try {
    const [bundle, genesis] = await Promise.all([text(button.dataset.proof), text(button.dataset.genesis)]);
    result = verifyBundle(bundle, genesis);
  } catch (error) {
    result = { ok: false, code: error.code || 'portal.error', reason: error.message, steps: [] };
  }
  showBundleResult(output, result);
  const note = document.createElement('p');
  note.textContent =
    'This check used the genesis this node serves. To trust the result without trusting the node, ' +
    'compare the SHA-256 above with the one the consortium publishes, or use the verify page.';
  output.append(note);
  button.disabled = false;
}

if (button) {
  button.hidden = false;
  button.addEventListener('click', check);
}
