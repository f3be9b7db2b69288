// The verify page: a pasted proof bundle against a pasted trusted genesis, and a consistency proof
// against two trusted log roots, checked here with js/verify.js. Nothing is sent anywhere.

import { checkLogConsistency, parseGenesis, parseStrictJSON, verifyBundle } from './verify.js';
import { showBundleResult, showOutcome } from './verify-view.js';

const $ = (id) => document.getElementById(id);

function failure(error) {
  return { ok: false, code: error.code || 'portal.error', reason: error.message, steps: [] };
}

function checkBundle() {
  let result;
  try {
    result = verifyBundle($('bundle').value, $('genesis').value);
  } catch (error) {
    result = failure(error);
  }
  showBundleResult($('bundle-result'), result);
}

function checkConsistency() {
  let result;
  try {
    const answer = parseStrictJSON($('consistency').value);
    result = checkLogConsistency(answer, $('first-root').value.trim(), $('second-root').value.trim());
  } catch (error) {
    result = failure(error);
  }
  showOutcome($('consistency-result'), result, 'Consistent: the log at the second size extends the log at the first.');
}

function showGenesisDigest() {
  const line = $('genesis-sha');
  const text = $('genesis').value.trim();
  if (!text) {
    line.textContent = '';
    return;
  }
  try {
    line.textContent = `SHA-256 of this genesis: ${parseGenesis(text).sha256}`;
  } catch (error) {
    line.textContent = `Not a genesis document (${error.code || 'error'}): ${error.message}`;
  }
}

$('genesis').addEventListener('input', showGenesisDigest);
$('verify-bundle').addEventListener('click', checkBundle);
$('verify-consistency').addEventListener('click', checkConsistency);
$('verify-bundle').disabled = false;
$('verify-consistency').disabled = false;
