package dev.carapace.sandbox;

/**
 * How a skill's code is executed. Both engines run under the same guard: the same imports (guarded WASI, the carapace
 * module), the same page-capped memory and capped tables, the same skill thread, stack and watchdog.
 */
public enum Engine {
    /** Endive's interpreter: slow (about 100x plain Java on CPU-bound code), the smallest trusted code base. */
    INTERPRETER,
    /**
     * Endive's runtime compiler turns the module into JVM bytecode once per module digest (then cached); a module the
     * compiler cannot handle runs on the interpreter, and the audit log's {@code engine} record says which engine
     * ran and why. Meant for skills whose signature the caller has verified.
     */
    COMPILED
}
