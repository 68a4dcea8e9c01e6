package dev.carapace.hub.store;

import java.sql.SQLException;
import java.util.List;

/**
 * The KeyPackage directory: each installation's signed one-time KeyPackages (handed out once, oldest first) and its
 * one reusable last-resort KeyPackage. A KeyPackage certified by a key that is no longer its agent's current one is
 * stale: never handed out nor counted, and replaced by the installation's next upload. The caller has checked every
 * KeyPackage it stores; this store only keeps and hands them out.
 */
public interface KeyPackageStore {

    /** Reads which key id certified a stored KeyPackage (null when it cannot be read): how staleness is judged. */
    @FunctionalInterface
    interface Certifier {
        String keyIdOf(byte[] keyPackage);
    }

    /** A checked KeyPackage and its reference (RFC 9420 KeyPackageRef). */
    record KeyPackage(String ref, byte[] bytes) {}

    /** How much one agent may keep: installations, and one-time KeyPackages per installation. */
    record Quota(int installationsPerAgent, int oneTimePerInstallation) {}

    /** The outcome of an upload. */
    sealed interface Upload permits Stored, TooManyInstallations, TooManyKeyPackages {}

    /** Stored; the installation now holds {@code available} one-time KeyPackages. */
    record Stored(int available) implements Upload {}

    /** The agent already keeps KeyPackages for as many installations as its quota allows. */
    record TooManyInstallations(int limit) implements Upload, Database.Refusal {}

    /** The upload would take the installation past its quota; it holds {@code have}. */
    record TooManyKeyPackages(int limit, int have) implements Upload, Database.Refusal {}

    /** What an installation has that inviters can use. */
    record Supply(int oneTime, boolean lastResort) {}

    /** One KeyPackage handed out for one installation. */
    record Claimed(String installation, byte[] keyPackage, boolean lastResort) {}

    /**
     * Stores an installation's one-time KeyPackages and, if given, replaces its last-resort one; first drops what a
     * key other than {@code currentKeyId} certified (for example before a rotation). All or nothing.
     */
    Upload upload(String agent, String installation, String currentKeyId, List<KeyPackage> oneTime,
                  KeyPackage lastResort, Quota quota, long nowMs) throws SQLException;

    /** What the installation can offer inviters; stale KeyPackages are not counted. */
    Supply supply(String agent, String installation, String currentKeyId) throws SQLException;

    /**
     * Hands out one KeyPackage per installation of {@code agent}: the oldest one-time one when {@code oneTimeAllowed},
     * else (or when none is left) the last-resort one, which stays. Installations with nothing usable are skipped. A
     * one-time KeyPackage is given to exactly one claimer, across hub processes.
     */
    List<Claimed> claim(String agent, String currentKeyId, boolean oneTimeAllowed) throws SQLException;
}
