package dev.carapace.hub.store;

import java.sql.SQLException;
import java.util.Optional;

/**
 * Skill package bytes by SHA-256, and the parts of packages larger than one request body until they are assembled.
 * Unpublished uploads and parts count against a quota per client address and per owner (not per key: identities are
 * free), and expire a while after their last use.
 */
public interface PackageStore {
    /** Who uploads: the identity, and the client address key its request came from. */
    record Uploader(String identity, String addressKey) {}

    /** At most {@code maxRows} unpublished rows, of at most {@code maxBytes} bytes in all, per address and per owner. */
    record Quota(int maxRows, long maxBytes) {}

    /** What {@link #storePackage} did. */
    sealed interface Upload permits Stored, AlreadyStored, OverQuota {}

    /** What {@link #storePart} did. */
    sealed interface PartUpload permits Stored, OverQuota {}

    record Stored() implements Upload, PartUpload {}

    /** The package was there already; uploading it again counts as using it. */
    record AlreadyStored() implements Upload {}

    /** Storing it would exceed the uploader's address's or owner's quota; nothing was stored. */
    record OverQuota() implements Upload, PartUpload, Database.Refusal {}

    /** What {@link #assemble} found. */
    sealed interface Assembly permits Assembled, MissingPart, TooLarge {}

    record Assembled(byte[] bytes) implements Assembly {}

    /** Not all of parts 0..parts-1 are uploaded. */
    record MissingPart() implements Assembly {}

    /** The parts add up to more than {@code maxBytes}. */
    record TooLarge() implements Assembly {}

    /**
     * Stores package bytes (checked by the caller) under their digest within the quota, after deleting what expired;
     * a package already stored is only marked as used.
     */
    Upload storePackage(String digest, byte[] bytes, Uploader who, Quota quota) throws SQLException;

    /** Stores (or replaces) one part of the uploader's package within the quota, after deleting what expired. */
    PartUpload storePart(String digest, int part, byte[] bytes, Uploader who, Quota quota) throws SQLException;

    /** The uploader's parts 0..parts-1 of a package, joined, if all are there and total at most {@code maxBytes}. */
    Assembly assemble(String digest, String uploader, int parts, long maxBytes) throws SQLException;

    /** Deletes the uploader's parts of a package. */
    void dropParts(String digest, String uploader) throws SQLException;

    Optional<byte[]> find(String digest) throws SQLException;

    /** Marks a package as used now, so expiry keeps away from it; false if there is no such package. */
    boolean touch(String digest) throws SQLException;
}
