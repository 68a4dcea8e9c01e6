package dev.carapace.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Every reason the hub gives in a JSON error {@code {"error": "<text>", "reason": "<wire name>"}}, with the HTTP
 * status it always comes with. The hub writes only these; a client reads a reason back with {@link #fromWire}, where
 * anything else (a newer hub's reason, a hostile hub's invention, a known name with another status) is
 * {@link #UNKNOWN}, never an exception. docs/api.md lists them ("Error reasons"), checked by a test against this enum.
 *
 * <p>A wire name is unique per status, not overall: {@code digest_mismatch} names three different refusals (a
 * request's Content-Digest, an uploaded package's bytes, a statement about a published package), told apart by their
 * statuses, as they always were on the wire. Errors the HTTP layer raises itself under a status none of these has
 * (none in normal operation) read {@code http_<status>}, which clients read as {@link #UNKNOWN}.
 */
public enum ErrorReason {
    // --- authentication (docs/api.md "Authentication") -----------------------------------------------------------
    UNSIGNED("unsigned", 401, "the request carries no signature (none at all, or none under the label `sig1`)"),
    MALFORMED_SIGNATURE("malformed_signature", 401, "the signature headers are not in the profile"),
    MALFORMED_KEYID("malformed_keyid", 401, "the key id is not `<agent id>#<seq>` in canonical form"),
    MISSING_CREATED("missing_created", 401, "the signature has no `created` parameter"),
    MISSING_NONCE("missing_nonce", 401, "the signature has no nonce of 16 to 128 characters"),
    INSUFFICIENT_COVERAGE("insufficient_coverage", 401,
            "the signature does not cover `@method`, `@target-uri` and `content-digest`"),
    UNSUPPORTED_ALGORITHM("unsupported_algorithm", 401, "`alg` is not `ed25519`"),
    UNKNOWN_KEY("unknown_key", 401, "no such identity or key"),
    STALE_KEY("stale_key", 401, "the key was rotated out, or the history in the body is older than the stored one"),
    BAD_SIGNATURE("bad_signature", 401, "the signature does not verify"),
    EXPIRED("expired", 401, "`created` is too old, or `expires` has passed"),
    FUTURE("future", 401, "`created` is in the future"),
    DIGEST_MISMATCH("digest_mismatch", 401, "`Content-Digest` is missing or not the body's"),
    REPLAYED("replayed", 401, "the nonce was used before"),
    WRONG_AUTHORITY("wrong_authority", 421, "the signed request is addressed to another authority"),

    // --- requests in general ---------------------------------------------------------------------------------------
    BAD_PATH("bad_path", 400, "the path is missing or too long"),
    NO_ROUTE("no_route", 404, "no such endpoint"),
    METHOD_NOT_ALLOWED("method_not_allowed", 405, "the method is not allowed on this path"),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415, "the body is not of the route's media type"),
    MALFORMED_JSON("malformed_json", 400, "the body is not strict, canonicalizable JSON (or not an object)"),
    UNKNOWN_FIELD("unknown_field", 400, "the body holds a field the route does not know"),
    INVALID_FIELD("invalid_field", 400, "a field is missing, of the wrong type, out of range or too long"),
    INVALID_ID("invalid_id", 400, "not a valid identity id"),
    FORBIDDEN("forbidden", 403, "the caller may not do this"),
    NOT_FOUND("not_found", 404, "no such object (or none the caller may know of)"),
    RATE_LIMITED("rate_limited", 429, "over a rate limit or quota; `Retry-After` says when to try again"),
    BATCH_TOO_LARGE("batch_too_large", 400, "the batch costs more than the caller's whole rate limit"),

    // --- path numbers (docs/api.md: `invalid_<name>`) ------------------------------------------------------------
    INVALID_PART("invalid_part", 400, "a part number out of range, or a part that is not empty"),
    INVALID_INDEX("invalid_index", 400, "`index` in the path is not an integer in range"),
    INVALID_SIZE("invalid_size", 400, "`size` in the path is not an integer in range"),
    INVALID_FROM("invalid_from", 400, "`from` in the path is not an integer in range"),
    INVALID_TO("invalid_to", 400, "`to` in the path is not an integer in range"),
    INVALID_K("invalid_k", 400, "`k` in the path is not an integer in range"),
    INVALID_PAGE("invalid_page", 400, "`page` in the path is not an integer in range"),

    // --- identities and owners -------------------------------------------------------------------------------------
    INVALID_IDENTITY("invalid_identity", 400, "the identity document (key event log) does not verify"),
    WRONG_IDENTITY("wrong_identity", 400, "the history in the body is not the signer's"),
    HISTORY_TOO_LONG("history_too_long", 400, "the identity history has more events than the hub accepts"),
    ALREADY_REGISTERED("already_registered", 409, "the identity or owner is already registered"),
    NOT_NEWER("not_newer", 409, "the stored history is already at or past this one"),
    FORK("fork", 409, "the history does not extend the stored one"),
    WRONG_KIND("wrong_kind", 400, "an owner identity must have kind `owner`"),
    NOT_AN_OWNER("not_an_owner", 403, "only a registered owner may do this"),
    INVALID_CONSENT("invalid_consent", 400, "the link consent is malformed, for another owner, or not fresh"),
    ALREADY_LINKED("already_linked", 409, "the agent is already linked to an owner"),

    // --- messaging -------------------------------------------------------------------------------------------------
    INVALID_GROUP("invalid_group", 400, "not a canonical base64url group id of 16 to 32 bytes"),
    INVALID_INSTALLATION("invalid_installation", 400, "not a base64url installation id of 8 to 64 characters"),
    INVALID_MESSAGE("invalid_message", 400, "not the MLS message the route expects (kind, group or epoch)"),
    INVALID_KEY_PACKAGE("invalid_key_package", 400, "the KeyPackage is malformed, unsigned, expired or unsupported"),
    TOO_MANY_INSTALLATIONS("too_many_installations", 409, "the agent keeps KeyPackages for too many installations"),
    TOO_MANY_KEY_PACKAGES("too_many_key_packages", 409, "the installation holds as many KeyPackages as allowed"),
    GROUP_EXISTS("group_exists", 409, "a group with this id exists"),
    DIRECT_EXISTS("direct_exists", 409, "a direct group for this pair exists"),
    EPOCH_CONFLICT("epoch_conflict", 409, "another commit for this epoch came first: process it and commit again"),
    STALE_EPOCH("stale_epoch", 409, "the message is for an older epoch than the group's: catch up and send again"),
    NO_GROUP_INFO("no_group_info", 409, "the hub holds no GroupInfo (with a tree) for that epoch"),

    // --- skills ----------------------------------------------------------------------------------------------------
    INVALID_CLAIM("invalid_claim", 400, "the namespace claim is malformed"),
    NAMESPACE_CLAIMED("namespace_claimed", 409, "the caller already owns this namespace"),
    NAMESPACE_UNCLAIMED("namespace_unclaimed", 409, "the namespace must be claimed first"),
    CONFUSABLE_NAME("confusable_name", 409, "the name is confusable with an existing one"),
    TOO_MANY_PARTS("too_many_parts", 409, "the caller holds too many uploaded parts"),
    MISSING_PART("missing_part", 400, "not every part of the package is uploaded"),
    INVALID_PACKAGE("invalid_package", 400, "the package is too large or not a valid skill package"),
    PACKAGE_DIGEST_MISMATCH("digest_mismatch", 400, "the uploaded bytes' SHA-256 is not the path's"),
    TOO_MANY_PENDING_UPLOADS("too_many_pending_uploads", 409, "the caller holds too many unpublished uploads"),
    PACKAGE_MISSING("package_missing", 400, "the package must be uploaded first"),
    INVALID_MANIFEST("invalid_manifest", 400, "the package's manifest.json is not valid"),
    MANIFEST_MISMATCH("manifest_mismatch", 400, "the statement does not match the package's manifest"),
    VERSION_EXISTS("version_exists", 409, "this version is already published"),
    INVALID_STATEMENT("invalid_statement", 400, "the signed statement is malformed"),
    PUBLISHED_DIGEST_MISMATCH("digest_mismatch", 409, "the statement's digest is not the published one"),
    DUPLICATE_STATEMENT("duplicate_statement", 409, "the caller already made this statement"),
    TOO_MANY_STATEMENTS("too_many_statements", 409, "the package has as many statements as allowed"),
    INVALID_QUERY("invalid_query", 400, "the search query is too long"),
    INVALID_DIGEST("invalid_digest", 400, "not 64 lower-case hex characters (SHA-256)"),

    // --- transparency log ------------------------------------------------------------------------------------------
    INVALID_ENVELOPE("invalid_envelope", 400, "the DSSE envelope is malformed or not signed by the caller's current key"),
    INVALID_ENTRY("invalid_entry", 400, "the log entry is malformed"),
    INVALID_BATCH("invalid_batch", 400, "the batch holds no envelopes or too many"),
    MALFORMED_NOTE("malformed_note", 400, "the cosigned note is not UTF-8"),
    INVALID_CHECKPOINT("invalid_checkpoint", 400, "not a checkpoint of this log"),
    UNKNOWN_WITNESS("unknown_witness", 403, "the note carries no valid cosignature by a witness of this log"),
    UNKNOWN_CHECKPOINT("unknown_checkpoint", 404, "this log never issued a checkpoint of that size and hash"),
    LOG_UNAVAILABLE("log_unavailable", 503, "the log cannot take entries now; try again later"),
    RESERVED_PAYLOAD_TYPE("reserved_payload_type", 400,
            "owner-link consents enter the log through the owner's link request, never appended directly"),

    // --- tasks (docs/tasks.md) -------------------------------------------------------------------------------------
    INVALID_TASK("invalid_task", 400, "the signed task is malformed or not signed by the caller's current key"),
    STALE_TASK("stale_task", 400, "the task's timestamp is too far from the hub's clock"),
    TASK_EXPIRED("task_expired", 400, "the task's deadline has passed"),
    UNKNOWN_RECIPIENT("unknown_recipient", 400, "the task names an agent this hub does not hold"),
    TOPIC_BUSY("topic_busy", 429, "the topic takes no more tasks from new identities this minute; `Retry-After`"),
    TOO_MANY_OPEN_TASKS("too_many_open_tasks", 429, "the caller has as many tasks with open rooms as allowed"),
    INVALID_RESPONSE("invalid_response", 400, "the signed response is malformed or about another task"),
    DEADLINE_PASSED("deadline_passed", 409, "the task's deadline for answers has passed"),
    ROOM_FULL("room_full", 409, "the task's room holds as many responders as its rules allow"),
    ALREADY_ANSWERED("already_answered", 409, "the caller already claimed or answered this task"),
    TASK_CLOSED("task_closed", 409, "the task is closed"),
    ROOM_EXISTS("room_exists", 409, "the task's room is already recorded"),
    INVALID_OUTCOME("invalid_outcome", 400, "the signed outcome is malformed or names answers the task never had"),
    STALE_OUTCOME("stale_outcome", 400, "the outcome's timestamp is too far from the hub's clock"),
    TASK_LAPSED("task_lapsed", 409, "the task's room closed long ago without an outcome: its result is none"),
    TOO_MANY_SUBSCRIPTIONS("too_many_subscriptions", 409, "the agent subscribes to as many topics as allowed"),
    INVALID_TOPIC("invalid_topic", 400, "a topic is 1 to 64 characters [a-z0-9._-], starting with a letter or digit"),
    INVALID_TASK_ID("invalid_task_id", 400, "a task id is 43 base64url characters"),

    // --- transport and the server ----------------------------------------------------------------------------------
    BODY_TOO_SLOW("body_too_slow", 408, "the body did not arrive in time; the connection closes"),
    BODY_ABORTED("body_aborted", 400, "the body was cut off or malformed mid-way"),
    BODY_TOO_LARGE("body_too_large", 413, "the body is larger than the route accepts"),
    TOO_MANY_BODIES("too_many_bodies", 429, "the address has too many bodies in flight; `Retry-After`"),
    HUB_BUSY("hub_busy", 503, "the hub holds too many bodies in flight; `Retry-After`"),
    STORAGE_UNAVAILABLE("storage_unavailable", 503, "storage is unavailable; `Retry-After`"),
    INTERNAL("internal", 500, "a fault of the hub (never bad input)"),
    BAD_REQUEST("bad_request", 400, "the HTTP layer refused the request line or headers"),
    URI_TOO_LONG("uri_too_long", 414, "the request line is too long"),
    HEADERS_TOO_LARGE("headers_too_large", 431, "the request headers exceed 16 KiB"),

    /** Not a hub reason: what {@link #fromWire} answers for anything it does not know. Never written by the hub. */
    UNKNOWN("", 0, "");

    private static final Map<String, ErrorReason> BY_WIRE = new HashMap<>();

    static {
        for (ErrorReason r : values()) {
            if (r != UNKNOWN && BY_WIRE.put(key(r.status, r.wire), r) != null) {
                throw new ExceptionInInitializerError("two error reasons " + r.wire + " with status " + r.status);
            }
        }
    }

    private final String wire;
    private final int status;
    private final String meaning;

    ErrorReason(String wire, int status, String meaning) {
        this.wire = wire;
        this.status = status;
        this.meaning = meaning;
    }

    /** The name on the wire, the JSON error's {@code reason}. */
    public String wire() {
        return wire;
    }

    /** The HTTP status this reason always comes with. */
    public int status() {
        return status;
    }

    /** One line for docs/api.md. */
    public String meaning() {
        return meaning;
    }

    /**
     * The reason a hub's answer with this status and {@code reason} names, or {@link #UNKNOWN} if it names none (also
     * for {@code null}, and for a known name under another status: a hub that says 200 epoch_conflict is not saying
     * epoch_conflict).
     */
    public static ErrorReason fromWire(int status, String reason) {
        if (reason == null) {
            return UNKNOWN;
        }
        return BY_WIRE.getOrDefault(key(status, reason), UNKNOWN);
    }

    private static String key(int status, String wire) {
        return status + " " + wire;
    }
}
