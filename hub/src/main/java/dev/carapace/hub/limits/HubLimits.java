package dev.carapace.hub.limits;

/**
 * Every rate limit, quota, cap and batch size of the hub, with why it has the value it has: the one place to read or
 * change them (as Signal-Server's {@code RateLimiters}). Route and transport classes name these constants and hold no
 * limit of their own ({@code LimitRegistryTest} fails the build on a limit literal outside this package). Those an
 * operator tunes are the defaults of {@code HubConfig}: request rates per address and tier ({@link RateLimiter.Limits})
 * and connections per address. docs/architecture.md ("Limits") lists them all.
 *
 * <p>"Per spender" below means per identity, or per address for identities younger than {@link #NEW_IDENTITY_MS}, so
 * minting keys buys no capacity. Every table keyed by clients is bounded ({@link KeyedBuckets} and the caches here).
 */
public final class HubLimits {
    private HubLimits() {}

    // ---- request rates (token buckets refilled per minute; HubConfig.withLimits tunes them) --------------------------

    /** Requests per minute per client address (IPv4, or IPv6 /64), counted before any signature is checked. */
    public static final int REQUESTS_PER_ADDRESS_PER_MINUTE = 600;
    /** Requests per minute of an identity younger than a day: keys are free, so new ones get little. */
    public static final int REQUESTS_NEW_PER_MINUTE = 60;
    /** Requests per minute of an agent no owner has claimed. */
    public static final int REQUESTS_ANONYMOUS_PER_MINUTE = 120;
    /** Requests per minute of an agent linked to an owner. */
    public static final int REQUESTS_VERIFIED_PER_MINUTE = 600;
    /** Requests per minute of an agent reputation vouches for. */
    public static final int REQUESTS_TRUSTED_PER_MINUTE = 3000;
    /** Addresses, or identities per tier, with a bucket of their own; beyond it newcomers share overflow buckets. */
    public static final int RATE_LIMIT_KEYS = 100_000;
    /** Identities younger than this are {@code NEW}: their requests count against their address. */
    public static final long NEW_IDENTITY_MS = 24L * 60 * 60 * 1000;
    /** Tiers change rarely (a link, a first day); a few seconds of staleness saves two queries per call. */
    public static final long TIER_CACHE_MS = 5_000;
    /** Identities whose tier is cached; the cache is cleared beyond it (a stale tier only costs a query). */
    public static final int TIER_CACHE_ENTRIES = 100_000;

    // ---- transport -----------------------------------------------------------------------------------------------

    /** Connections one address may hold open at once (HubConfig.withMaxConnectionsPerAddress; 0 disables it). */
    public static final int CONNECTIONS_PER_ADDRESS = 100;
    /** A request body: a 256 KiB MLS message in base64 fits with room; larger skill packages come in parts. */
    public static final int BODY_BYTES = 1 << 20;
    /** An oversized body up to this size is read and dropped, so a still-sending client reads the 413, not a reset. */
    public static final long OVERSIZED_BODY_DRAIN_BYTES = 16L << 20;
    /** Body bytes one address may have in flight: sixteen full-size bodies. */
    public static final long BODY_BYTES_PER_ADDRESS = 16L << 20;
    /** Body bytes in flight in all: a quarter of the heap the JVM may grow to, at least 64 MiB. */
    public static final long BODY_BYTES_HUB = Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4);
    /** Any body gets this long to arrive, however small. */
    public static final long BODY_GRACE_MS = 10_000;
    /** On top of the grace, a body must arrive at this average rate (slow-body attacks hold no thread for long). */
    public static final long BODY_MIN_BYTES_PER_SECOND = 64 * 1024;
    /** Request headers in all: a signed request needs about 1 KiB. */
    public static final int HEADER_BYTES = 16 * 1024;
    /** A request path (percent-encoded): ids and digests fit many times over. */
    public static final int PATH_CHARS = 2048;
    /** An idle connection is closed after this long. */
    public static final long IDLE_TIMEOUT_MS = 30_000;
    /** Log lines about clients' faults (aborted or malformed bodies) per minute: noise must not bury real errors. */
    public static final int CLIENT_FAULT_LINES_PER_MINUTE = 10;

    // ---- authentication ------------------------------------------------------------------------------------------

    /** A signature's {@code created} may be this far from the hub's clock, either way; nonces are kept twice this. */
    public static final long SIGNATURE_WINDOW_SECONDS = 60;
    /** A signature nonce: at least 96 bits in base64, and no more than a sane header. */
    public static final int NONCE_MIN_CHARS = 16;
    public static final int NONCE_MAX_CHARS = 128;
    /** Decoded public keys cached (decoding costs a point decompression); cleared beyond it. */
    public static final int KEY_CACHE_ENTRIES = 100_000;

    // ---- identities and owners -----------------------------------------------------------------------------------

    /** Events a key event log carried in a body (so any stored history) may hold. */
    public static final int HISTORY_EVENTS = 256;
    /** A request that carries a history: 256 events take about 110 kB. */
    public static final int HISTORY_BODY_BYTES = 256 * 1024;
    /** A link consent older than this is refused: it was meant to be used at once. */
    public static final long CONSENT_MAX_AGE_MS = 10L * 60 * 1000;
    /** An owner's email (RFC 5321's longest address) and display name, in characters. */
    public static final int EMAIL_CHARS = 320;
    public static final int DISPLAY_NAME_CHARS = 200;

    // ---- messaging -----------------------------------------------------------------------------------------------

    /** An MLS message (commit, application message, Welcome, GroupInfo) in bytes: groups of thousands fit. */
    public static final int MLS_MESSAGE_BYTES = 256 * 1024;
    /** One KeyPackage in bytes (a certificate of at most 4 KiB inside). */
    public static final int KEY_PACKAGE_BYTES = 8 * 1024;
    /** One-time KeyPackages stored per installation (a client keeps 10). */
    public static final int ONE_TIME_PER_INSTALLATION = 100;
    /** KeyPackages per upload request. */
    public static final int KEY_PACKAGES_PER_UPLOAD = 50;
    /** Installations one agent may hold KeyPackages for. */
    public static final int INSTALLATIONS_PER_AGENT = 32;
    /** Claims (answered with any KeyPackage) per claimer and target per hour. */
    public static final int CLAIMS_PER_TARGET_PER_HOUR = 30;
    /** Claims one identity may make per hour across all targets. */
    public static final int CLAIMS_PER_CLAIMER_PER_HOUR = 600;
    /**
     * One-time KeyPackages per installation one claimer may take from one target per hour; beyond it claims get the
     * reusable last-resort KeyPackage (RFC 9420 §16.8), so no stranger drains anyone's supply.
     */
    public static final int ONE_TIME_PER_CLAIMER_PER_HOUR = 2;
    /** One-time KeyPackages per installation all claimers together may take from one target per hour. */
    public static final int ONE_TIME_PER_TARGET_PER_HOUR = 5;
    /** Seconds a refused claimer is told to wait when its claims per target are spent. */
    public static final long CLAIMS_RETRY_AFTER_SECONDS = 120;
    /** Seconds a refused claimer is told to wait when its one-time share is spent and no last-resort one exists. */
    public static final long ONE_TIME_RETRY_AFTER_SECONDS = 600;
    /** Claimer-and-target pairs tracked per claim bucket (two keys per claim). */
    public static final int CLAIM_KEYS = 200_000;
    /** Claimers, targets or spenders tracked per quota bucket. */
    public static final int QUOTA_KEYS = 100_000;
    /**
     * Bytes of commits and messages (as sent) one spender may have the hub store per hour: stored data stays until
     * acknowledged or retention ends, so storage is bounded per spender.
     */
    public static final int STORED_BYTES_PER_HOUR = 64 << 20;
    /** Inbox items answered at once. */
    public static final int INBOX_ITEMS = 200;
    /** Acknowledgements per request. */
    public static final int ACKS_PER_REQUEST = 1000;
    /** Installations routed in one group-routing request. */
    public static final int ROUTING_ENTRIES = 100;
    /** A long poll waits at most this long (below common proxies' 30 s idle timeouts). */
    public static final long LONG_POLL_MS = 25_000;
    /** Long polls waiting at once in this process; beyond it a poll answers at once. */
    public static final int LONG_POLLS = 64;
    /** Long polls one spender may hold at once, so one client cannot take every slot. */
    public static final int LONG_POLLS_PER_SPENDER = 4;
    /** A waiting long poll re-checks at least this often (a commit by another hub process wakes nobody here). */
    public static final long LONG_POLL_RECHECK_MS = 1000;
    /** Retention runs at most this often, piggybacked on acknowledgements. */
    public static final long RETENTION_SWEEP_MS = 10L * 60 * 1000;
    /** A push ticket is single use and lives this long. */
    public static final long PUSH_TICKET_MS = 60_000;
    /** Push tickets outstanding; expired ones are dropped beyond it. */
    public static final int PUSH_TICKETS = 100_000;
    /** An idle push channel is closed after this long. */
    public static final long PUSH_IDLE_MS = 30L * 60 * 1000;
    /** A text frame a push client may send (it sends only pings). */
    public static final int PUSH_TEXT_BYTES = 1024;

    // ---- skill registry ------------------------------------------------------------------------------------------

    /** Uploaded packages no publication names yet, per address and per owner. */
    public static final int PENDING_UPLOADS = 8;
    /** Bytes of unpublished uploads per address and per owner: four packages of the largest size. */
    public static final long PENDING_BYTES = 4L * dev.carapace.skills.SkillPackage.MAX_PACKAGE_BYTES;
    /** Uploads and parts no publication names are deleted after this long. */
    public static final long PENDING_UPLOAD_TTL_MS = 24L * 3600 * 1000;
    /** Parts one package may be uploaded in, and unassembled parts per address and per owner. */
    public static final int UPLOAD_PARTS = 64;
    /** Bytes of unassembled parts per address and per owner: one package of the largest size. */
    public static final long UPLOAD_PART_BYTES = dev.carapace.skills.SkillPackage.MAX_PACKAGE_BYTES;
    /** Statements one version may collect, so its record stays bounded whatever Sybils post. */
    public static final int STATEMENTS_PER_VERSION = 500;
    /** A search query, in characters. */
    public static final int SEARCH_QUERY_CHARS = 100;
    /** Search results answered at once. */
    public static final int SEARCH_RESULTS = 200;

    // ---- storage -------------------------------------------------------------------------------------------------

    /** Database connections on SQLite: one writer at a time anyway (writers queue in the JVM); WAL readers share. */
    public static final int DB_CONNECTIONS_SQLITE = 8;
    /** Database connections on PostgreSQL, per hub process. */
    public static final int DB_CONNECTIONS_POSTGRES = 16;
    /** How long a SQLite connection waits for another process's write lock before failing (503, retried). */
    public static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

    // ---- transparency log ----------------------------------------------------------------------------------------

    /** Entries sequenced in one batch (one transaction and one checkpoint). */
    public static final int LOG_BATCH_ENTRIES = 1000;
    /** One log entry (a DSSE envelope) in bytes. */
    public static final int LOG_ENTRY_BYTES = 65_535;
    /** Entries waiting for the sequencer; beyond it appends are refused with 503 and retried. */
    public static final int LOG_QUEUE_ENTRIES = 100_000;
    /** DSSE envelopes per append request. */
    public static final int LOG_ENVELOPES_PER_REQUEST = 32;

    // ---- tasks (docs/tasks.md) -----------------------------------------------------------------------------------

    /** Tasks one spender may post per hour, by tier. */
    public static final java.util.Map<RateLimiter.Tier, Integer> TASK_POSTS_PER_HOUR = java.util.Map.of(
            RateLimiter.Tier.NEW, 10, RateLimiter.Tier.ANONYMOUS, 30, RateLimiter.Tier.VERIFIED, 120,
            RateLimiter.Tier.TRUSTED, 600);
    /** Claims and answers one spender may make per hour, by tier. */
    public static final java.util.Map<RateLimiter.Tier, Integer> TASK_ANSWERS_PER_HOUR = java.util.Map.of(
            RateLimiter.Tier.NEW, 30, RateLimiter.Tier.ANONYMOUS, 120, RateLimiter.Tier.VERIFIED, 600,
            RateLimiter.Tier.TRUSTED, 3000);
    /**
     * Tasks per topic per minute from NEW and ANONYMOUS posters together: a flood of cheap identities fills this
     * budget, never the one of VERIFIED and TRUSTED posters, so it cannot silence a topic for them.
     */
    public static final int TASK_UNVERIFIED_POSTS_PER_TOPIC_PER_MINUTE = 20;
    /** Tasks one requester may have with rooms still open. */
    public static final int TASK_OPEN_PER_REQUESTER = 50;
    /** Topics one agent may subscribe to. */
    public static final int TASK_SUBSCRIPTIONS_PER_AGENT = 100;
    /** Subscribers one post wakes over push; the rest find the task when they next list. */
    public static final int TASK_WOKEN_SUBSCRIBERS = 10_000;
    /** Tasks one listing returns. */
    public static final int TASK_LISTED = 100;
    /** How far a task's or outcome's timestamp may lie from the hub's clock: an old one cannot be posted again later. */
    public static final long TASK_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;
    /** How long after its room closes a requester may still publish the outcome (a plurality needs the close). */
    public static final long TASK_CLOSE_GRACE_MS = 60 * 60 * 1000;
    /** Topics and spenders tracked by the task budgets; beyond, they share overflow buckets (see KeyedBuckets). */
    public static final int TASK_TRACKED_KEYS = 100_000;

    // ---- reputation (docs/reputation.md) -------------------------------------------------------------------------

    /** How long scores of an unchanged log are served before they are recomputed for the passing time (decay). */
    public static final long REPUTATION_REFRESH_MS = 60_000;
    /** The least time between two computations for a growing log, so a busy log costs one computation a second. */
    public static final long REPUTATION_MIN_RECOMPUTE_MS = 1_000;
    /** Log entries read from storage at a time while catching the facts up with the log. */
    public static final int REPUTATION_READ_BATCH = 1000;
    /** Identities per page of {@code /v1/reputation/scores/{page}}. */
    public static final int REPUTATION_PAGE_SIZE = 1000;
}
