"""Stable error codes of the ballots module, each with the class it is raised as (and so its HTTP status)."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

# -- at admission (stateless checks) ---------------------------------------------------------------
BAD_ELECTION = ErrorCode("ballots.bad_election", InvalidInput, "an election id is [a-z][a-z0-9-]{2,47}")
BAD_DIGEST = ErrorCode("ballots.bad_digest", InvalidInput, "a digest is 64 lower-case hex digits")
BAD_OPTION_ID = ErrorCode("ballots.bad_option_id", InvalidInput, "an option id is [a-z0-9][a-z0-9_-]{0,31}")
BAD_POINT = ErrorCode("ballots.bad_point", InvalidInput, "a group element or scalar is 32 bytes in unpadded base64url")
BAD_CENSUS = ErrorCode(
    "ballots.bad_census", InvalidInput, "a census names a credential type and 1 to 16 distinct issuers"
)
BAD_GUARDIANS = ErrorCode("ballots.bad_guardians", InvalidInput, "an election has 1 to 16 distinct guardians")
BAD_THRESHOLD = ErrorCode(
    "ballots.bad_threshold",
    InvalidInput,
    "the threshold is a majority of the guardians: floor(n/2)+1 .. n (default floor(n/2)+1)",
)
BAD_QUESTIONS = ErrorCode(
    "ballots.bad_questions",
    InvalidInput,
    "1 to 8 questions of 1 to 32 options with distinct ids; 0 <= min_selections <= max_selections <= options; "
    "weights on every option or none, with 0 <= weight_min <= weight_max (a weight range needs weights)",
)
BAD_WINDOW = ErrorCode(
    "ballots.bad_window",
    InvalidInput,
    "times must satisfy keygen_end_ms <= cast_start_ms < cast_end_ms (< decrypt_end_ms when given)",
)
BAD_SHARES = ErrorCode(
    "ballots.bad_shares", InvalidInput, "encrypted key shares name each recipient once, as base64url"
)
BAD_BALLOT = ErrorCode(
    "ballots.bad_ballot",
    InvalidInput,
    "a ballot must match the question shapes it carries: one ciphertext and 0/1 proof per option, "
    "one selection proof per question",
)
REPLAYED_PROOF = ErrorCode(
    "ballots.replayed_proof",
    InvalidInput,
    "the ballot's proofs were made for another (chain, election, voter): a ballot cannot be replayed",
)
BAD_OPTION_PROOF = ErrorCode(
    "ballots.bad_option_proof", InvalidInput, "an option's proof does not show that it encrypts 0 or 1"
)
BAD_SELECTION_PROOF = ErrorCode(
    "ballots.bad_selection_proof",
    InvalidInput,
    "a question's proof does not show its number of selections within min_selections..max_selections",
)
BAD_WEIGHT_PROOF = ErrorCode(
    "ballots.bad_weight_proof",
    InvalidInput,
    "a question's proof does not show its selected weight within weight_min..weight_max (the budget)",
)
BAD_COUNTS = ErrorCode(
    "ballots.bad_counts",
    InvalidInput,
    "a result gives one count per option of every question (question after question), each 0 .. the number of voters",
)
BAD_QUERY = ErrorCode("ballots.bad_query", InvalidInput, "a query parameter is out of range or malformed")

# -- at execution ----------------------------------------------------------------------------------
ELECTION_EXISTS = ErrorCode("ballots.election_exists", Conflict, "an election with this id exists already")
UNKNOWN_ELECTION = ErrorCode("ballots.unknown_election", NotFound, "no election with this id")
TOO_LATE_TO_CREATE = ErrorCode(
    "ballots.too_late_to_create", Conflict, "an election's key generation must end after its creation block"
)
NOT_GUARDIAN = ErrorCode("ballots.not_guardian", Unauthorized, "only one of the election's guardians sends this")
WRONG_PHASE = ErrorCode(
    "ballots.wrong_phase",
    Conflict,
    "the election is not in the phase this message belongs to (keygen, casting, closed or decided)",
)
KEYGEN_OVER = ErrorCode(
    "ballots.keygen_over", Conflict, "key generation ended (keygen_end_ms) or was aborted by a complaint"
)
ALREADY_SENT = ErrorCode(
    "ballots.already_sent", Conflict, "this guardian sent this step already (a commitment, its shares, an ack, a share)"
)
BAD_COMMITMENT = ErrorCode(
    "ballots.bad_commitment",
    InvalidInput,
    "a guardian commits to threshold coefficients, each with a proof of knowledge bound to the election and guardian",
)
NOT_ALL_COMMITTED = ErrorCode(
    "ballots.not_all_committed", Conflict, "shares go out once every guardian has committed (their keys are known)"
)
NO_SHARE = ErrorCode("ballots.no_share", Conflict, "the dealer sent no share yet to acknowledge or complain about")
NOT_OPEN = ErrorCode(
    "ballots.not_open", Conflict, "casting has not started (cast_start_ms) or the joint key is not fixed"
)
WINDOW_CLOSED = ErrorCode("ballots.window_closed", Conflict, "casting is over (block time >= cast_end_ms)")
NOT_IN_CENSUS = ErrorCode(
    "ballots.not_in_census",
    Unauthorized,
    "the voter holds no credential of the census's type from one of its issuers now",
)
WRONG_VOTER = ErrorCode(
    "ballots.wrong_voter", Unauthorized, "a ballot's voter is the tx's sender, and its chain_id this chain's"
)
STALE_BALLOT = ErrorCode(
    "ballots.stale_ballot",
    Conflict,
    "the ballot was made for another joint key or other question shapes than the election's",
)
TOO_EARLY = ErrorCode("ballots.too_early", Conflict, "casting is still open (block time < cast_end_ms)")
DECRYPTION_OVER = ErrorCode("ballots.decryption_over", Conflict, "decryption shares were due before decrypt_end_ms")
BAD_DECRYPTION_SHARE = ErrorCode(
    "ballots.bad_decryption_share",
    InvalidInput,
    "a decryption share gives one value and proof per option of the final total; a proof does not verify",
)
TOO_FEW_SHARES = ErrorCode(
    "ballots.too_few_shares", Conflict, "a result needs decryption shares from at least threshold guardians"
)
WRONG_RESULT = ErrorCode(
    "ballots.wrong_result", Conflict, "the counts do not match the decrypted total: counts·G != B - sum(lambda_i·D_i)"
)
