package dev.carapace.crypto;

/** DSSE payload types of Carapace's own signed statements, shared by every side of the protocol. */
public final class PayloadTypes {
    /** An agent's consent to be claimed by an owner. */
    public static final String OWNER_LINK_CONSENT = "application/vnd.carapace.owner-link+json";

    private PayloadTypes() {}
}
