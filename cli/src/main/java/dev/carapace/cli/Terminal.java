package dev.carapace.cli;

import java.io.Console;

/** The interactive terminal, if there is one. */
public final class Terminal {
    private Terminal() {}

    /**
     * The console only when it is an interactive terminal. From JDK 22 on, System.console() may return a console on
     * redirected streams; Console.isTerminal() (JDK 22+, called reflectively as this code targets 21) tells them apart.
     * If it cannot be asked, a console is trusted only as older JDKs gave it: never on redirected streams.
     */
    public static Console console() {
        Console c = System.console();
        if (c == null) {
            return null;
        }
        try {
            Object interactive = Console.class.getMethod("isTerminal").invoke(c);
            return Boolean.TRUE.equals(interactive) ? c : null;
        } catch (ReflectiveOperationException e) {
            return c; // JDK 21: System.console() is non-null only on a terminal
        }
    }
}
