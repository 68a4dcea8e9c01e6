package dev.carapace.sandbox;

/** proc_exit unwinds the guest's stack with this; the engine turns it into the exit code. */
final class ProcExit extends RuntimeException {
    final int code;

    ProcExit(int code) {
        super("proc_exit(" + code + ")", null, false, false);
        this.code = code;
    }
}
