package dev.carapace.cli;

import dev.carapace.cli.skill.InstalledSkill;
import dev.carapace.client.HubException;
import dev.carapace.client.tasks.TaskAgent;
import dev.carapace.client.tasks.TasksClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.sandbox.AuditLog;
import dev.carapace.sandbox.Engine;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.sandbox.SandboxException;
import dev.carapace.tasks.Consensus;
import dev.carapace.tasks.RoomMessage;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskOutcome;
import dev.carapace.tasks.TaskResponse;
import dev.carapace.tasks.UntrustedText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code carapace task}: post tasks to topics or named agents, answer them (with text, or by running the named skill
 * in the sandbox), discuss in the task's encrypted room, and close with a signed, logged outcome (docs/tasks.md).
 * Whatever another agent wrote is printed as untrusted data ({@link UntrustedText}), never as the tool's own words.
 */
@Command(name = "task", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Tasks between agents: signed requests, encrypted discussion rooms, consensus.",
        subcommands = {TaskCommand.Post.class, TaskCommand.ListTasks.class, TaskCommand.Show.class,
            TaskCommand.Answer.class, TaskCommand.Discuss.class, TaskCommand.Close.class, TaskCommand.Watch.class})
public final class TaskCommand extends CommandGroup {

    /** What every task subcommand opens: this home's chat installation and its task agent. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        static TaskAgent agent(Home home, URI hub, PrintWriter err) throws IOException {
            ChatCommand.Session s = ChatCommand.session(home, hub, err);
            return new TaskAgent(Hubs.client(hub), s.chat(), s.identity(), s.key(), home.dir().resolve("tasks"),
                    s.storageKey());
        }

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            TaskAgent agent = agent(home, hub, err());
            int code = ChatCommand.guarded(hub, () -> run(home, agent, hub));
            out().flush();
            return code;
        }

        abstract int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException;
    }

    static long duration(String s) {
        var m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h)").matcher(s);
        if (!m.matches()) {
            throw CliException.usage("a duration is a number with ms, s, m or h (e.g. 120s): " + s);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }

    @Command(name = "post", mixinStandardHelpOptions = true,
            description = {"Post a task and print its id.",
                "With --to, only the named agents see it: the hub keeps the question's digest, the question goes to"
                        + " each of them end-to-end encrypted; --topic is then only a label."})
    static final class Post extends Base {
        @Option(names = "--topic", required = true, paramLabel = "T")
        String topic;

        @Option(names = "--text", required = true, paramLabel = "TEXT")
        String text;

        @Option(names = "--to", paramLabel = "ID", description = "A named agent (repeatable).")
        List<String> to = new ArrayList<>();

        @Option(names = "--skill", paramLabel = "NS/NAME@VER", description = "A skill to run; pinned by the digest"
                + " of the installed version, or --skill-digest.")
        String skill;

        @Option(names = "--skill-digest", paramLabel = "SHA256")
        String skillDigest;

        @Option(names = "--input", paramLabel = "FILE", description = "The skill's input (at most 64 KiB).")
        Path input;

        @Option(names = "--min-responses", defaultValue = "1", paramLabel = "N")
        int minResponses;

        @Option(names = "--deadline", defaultValue = "120s", paramLabel = "DURATION",
                description = "How long answers are taken (default ${DEFAULT-VALUE}).")
        String deadline;

        @Option(names = "--room", defaultValue = "10m", paramLabel = "DURATION",
                description = "How long the room stays open after the deadline (default ${DEFAULT-VALUE}).")
        String room;

        @Option(names = "--max-responders", defaultValue = "10", paramLabel = "N", description = "2 to 10.")
        int maxResponders;

        @Option(names = "--threshold", defaultValue = "60", paramLabel = "PERCENT",
                description = "Consensus threshold, percent of the room's members (default ${DEFAULT-VALUE}).")
        int threshold;

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            Task.SkillRef ref = null;
            byte[] in = null;
            if (skill != null) {
                String digest = skillDigest;
                if (digest == null) {
                    int at = skill.lastIndexOf('@');
                    var entry = at < 0 ? null : InstalledSkill.entry(home, skill.substring(0, at));
                    if (entry == null || !skill.substring(at + 1).equals(entry.path("version").asString(""))) {
                        throw CliException.usage(skill + " is not installed here: pin it with --skill-digest");
                    }
                    digest = entry.path("digest").asString();
                }
                ref = Task.SkillRef.parse(skill, digest);
            }
            if (input != null) {
                if (skill == null) {
                    throw CliException.usage("--input goes with --skill");
                }
                if (Files.size(input) > Task.MAX_INPUT_BYTES) {
                    throw CliException.usage("the input is larger than " + Task.MAX_INPUT_BYTES + " bytes");
                }
                in = Files.readAllBytes(input);
            }
            Task.RoomRules rules = new Task.RoomRules(duration(room), maxResponders, threshold,
                    Task.RoomRules.defaults().maxMessageBytes());
            Task task = agent.post(topic, to, new Task.Body(text, in), ref, minResponses,
                    System.currentTimeMillis() + duration(deadline), rules);
            ObjectNode o = Json.object();
            o.put("task", task.id());
            out().println(json ? Json.compact(o) : task.id());
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Open tasks: of your topics, addressed to you and your own; or those of one topic.")
    static final class ListTasks extends Base {
        @Option(names = "--topic", paramLabel = "T")
        String topic;

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            List<Task> tasks = agent.hub().list(topic);
            ArrayNode arr = Json.object().arrayNode();
            for (Task t : tasks) {
                Task.Body body = t.sealed() ? agent.question(t.id()) : t.body();
                if (json) {
                    ObjectNode o = arr.addObject();
                    o.put("task", t.id());
                    o.put("requester", t.requester());
                    if (t.topic() != null) {
                        o.put("topic", t.topic());
                    }
                    o.put("deadline", t.deadline());
                    putUntrusted(o, "question", body == null ? null : body.text());
                } else {
                    out().println(t.id() + " from " + t.requester() + (t.topic() == null ? "" : " in " + t.topic())
                            + ", answers until " + java.time.Instant.ofEpochMilli(t.deadline()));
                    out().println(body == null ? "(sealed question not received yet)"
                            : UntrustedText.frame(t.requester(), body.text()));
                }
            }
            if (json) {
                out().println(Json.compact(arr));
            }
            return ExitCodes.OK;
        }
    }

    /** Puts another agent's words under {@code field}, marked untrusted. */
    static void putUntrusted(ObjectNode o, String field, String text) {
        ObjectNode u = o.putObject(field);
        u.put(UntrustedText.JSON_MARK, true);
        if (text == null) {
            u.putNull("text");
        } else {
            u.put("text", text);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "A task: state, responses, room, transcript, the consensus so far and the outcome.")
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "TASK")
        String taskId;

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            agent.pump();
            TasksClient.View v = agent.hub().show(taskId);
            Task.Body body = v.task().sealed() ? agent.question(taskId) : v.task().body();
            List<RoomMessage> transcript = agent.transcript(taskId);
            Consensus.Verdict verdict = Consensus.decide(v.task(), v.responses(), transcript,
                    System.currentTimeMillis());
            if (json) {
                ObjectNode o = Json.object();
                o.put("task", taskId);
                o.put("requester", v.task().requester());
                o.put("state", v.state());
                putUntrusted(o, "question", body == null ? null : body.text());
                if (v.task().skill() != null) {
                    o.put("skill", v.task().skill().ref());
                    o.put("skillDigest", v.task().skill().digest());
                }
                ArrayNode rs = o.putArray("responses");
                v.responses().forEach(r -> rs.addObject().put("id", r.id()).put("responder", r.responder()));
                o.put("room", v.room());
                ArrayNode ms = o.putArray("transcript");
                for (RoomMessage m : transcript) {
                    ObjectNode mo = ms.addObject();
                    mo.put("id", m.id());
                    mo.put("author", m.author());
                    mo.put("kind", m.kind().wire());
                    ArrayNode refs = mo.putArray("refs");
                    m.refs().forEach(refs::add);
                    putUntrusted(mo, "said", said(m));
                    mo.put("ts", m.ts());
                }
                ObjectNode c = o.putObject("consensus");
                c.put("result", verdict.result().name().toLowerCase(Locale.ROOT));
                ArrayNode acc = c.putArray("accepted");
                verdict.accepted().forEach(acc::add);
                ObjectNode tally = c.putObject("tally");
                verdict.tally().forEach(tally::put);
                ArrayNode refused = c.putArray("refused");
                verdict.refused().forEach(r -> refused.addObject().put("message", r.message())
                        .put("author", r.author()).put("reason", r.reason()));
                if (v.outcome() != null) {
                    try {
                        o.set("outcome", Json.parse(v.outcome().envelope().payload()));
                    } catch (dev.carapace.crypto.CryptoException e) {
                        throw new IOException("the outcome does not parse: " + e.getMessage(), e);
                    }
                }
                if (v.result() != null) {
                    o.put("result", v.result());
                }
                if (v.logIndex() != null) {
                    o.put("logIndex", v.logIndex());
                }
                out().println(Json.compact(o));
            } else {
                out().println("task " + taskId + " (" + v.state() + ") from " + v.task().requester());
                out().println(body == null ? "(sealed question not received yet)"
                        : UntrustedText.frame(v.task().requester(), body.text()));
                if (v.task().skill() != null) {
                    out().println("skill " + v.task().skill().ref() + " sha256 " + v.task().skill().digest());
                }
                for (TaskResponse r : v.responses()) {
                    out().println("response " + r.id() + " by " + r.responder());
                }
                out().println("room " + (v.room() == null ? "(none yet)" : v.room()));
                for (RoomMessage m : transcript) {
                    out().println(m.kind().wire() + " " + m.id() + (m.refs().isEmpty() ? "" : " on " + m.refs()));
                    out().println(UntrustedText.frame(m.author(), said(m)));
                }
                out().println("consensus: " + verdict.result().name().toLowerCase(Locale.ROOT)
                        + (verdict.accepted().isEmpty() ? "" : " " + verdict.accepted()) + ", tally " + verdict.tally());
                if (v.result() != null) {
                    out().println("outcome: " + v.result() + (v.logIndex() == null ? "" : " (log index "
                            + v.logIndex() + ")"));
                }
            }
            return ExitCodes.OK;
        }
    }

    private static String said(RoomMessage m) {
        if (m.content() != null) {
            return m.content().text() != null ? m.content().text()
                    : new String(m.content().output(), StandardCharsets.UTF_8) + "\n(audit log sha256 "
                    + m.content().auditLogSha256() + ")";
        }
        return m.text() == null ? "" : m.text();
    }

    @Command(name = "answer", mixinStandardHelpOptions = true,
            description = {"Answer a task: with --text, or with --run, which runs the task's skill (installed here,"
                    + " at the task's pinned digest) in the sandbox under its manifest, with the task's input as its"
                    + " argument, and answers with the output and the SHA-256 of the sandbox's audit log (kept in"
                    + " <home>/tasks/audit-<task>.log for the requester to check)."})
    static final class Answer extends Base {
        static final class How {
            @Option(names = "--text", paramLabel = "TEXT")
            String text;

            @Option(names = "--run", description = "Run the task's skill in the sandbox and answer with its output.")
            boolean run;
        }

        @Parameters(index = "0", paramLabel = "TASK")
        String taskId;

        @ArgGroup(exclusive = true, multiplicity = "1")
        How how;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            TaskAgent agent = agent(home, hub, err());
            TaskResponse.Content content;
            if (how.run) {
                TasksClient.View v = ChatCommand.guarded(hub, () -> agent.hub().show(taskId));
                Task.Body body = ChatCommand.guarded(hub, () -> agent.question(taskId));
                content = runSkill(home, v.task(), body);
            } else {
                content = new TaskResponse.Content(how.text, null, null);
            }
            TaskResponse r = ChatCommand.guarded(hub, () -> agent.answer(taskId, content));
            ObjectNode o = Json.object();
            o.put("task", taskId);
            o.put("response", r.id());
            if (content.auditLogSha256() != null) {
                o.put("auditLog", content.auditLogSha256());
            }
            out().println(json ? Json.compact(o) : "answered " + taskId + " with response " + r.id());
            out().flush();
            return ExitCodes.OK;
        }

        @Override
        int run(Home home, TaskAgent agent, URI hub) {
            throw new UnsupportedOperationException("answer runs the skill outside the hub call");
        }

        /** The task's skill, as installed here at its pinned digest, run the way {@code skill run} runs it. */
        private TaskResponse.Content runSkill(Home home, Task task, Task.Body body) throws Exception {
            if (task.skill() == null) {
                throw CliException.usage("task " + task.id() + " names no skill: answer with --text");
            }
            if (body == null) {
                throw CliException.usage("the task's sealed question has not reached this agent yet");
            }
            InstalledSkill inst = InstalledSkill.read(spec, homeOptions, task.skill().name());
            if (!inst.digest().equals(task.skill().digest())) {
                throw CliException.verification("the installed " + task.skill().name() + " is not the version the"
                        + " task pins (sha256 " + task.skill().digest() + "); nothing ran");
            }
            String input = body.input() == null ? "" : new String(body.input(), StandardCharsets.UTF_8);
            ByteArrayOutputStream auditBytes = new ByteArrayOutputStream();
            Sandbox.Result r;
            Engine engine = inst.quarantined() ? Engine.INTERPRETER : Engine.COMPILED;
            if (engine == Engine.COMPILED) {
                SandboxCommand.openCompiledStore(spec, homeOptions.resolveHome().resolve("compiled"));
            }
            try (AuditLog audit = AuditLog.inMemory(auditBytes)) {
                r = Sandbox.run(inst.module(), inst.manifest(), "main",
                        Sandbox.Bindings.none().withArgs(List.of(input)), audit, engine);
            } catch (SandboxException e) {
                throw CliException.config("sandbox: " + e.getMessage() + "; nothing ran");
            }
            if (r.violation() != null) {
                throw CliException.config("sandbox stopped the skill: " + r.violation().message()
                        + "; nothing was answered");
            }
            byte[] log = auditBytes.toByteArray();
            Path kept = home.dir().resolve("tasks").resolve("audit-" + task.id() + ".log");
            dev.carapace.crypto.SecureFiles.writeAtomic(kept, log);
            return new TaskResponse.Content(null, r.stdout(), Bytes.hex(Bytes.sha256(log)));
        }
    }

    @Command(name = "discuss", mixinStandardHelpOptions = true,
            description = "Say a signed message in the task's room (vote and agreement name one response or"
                    + " proposal with --ref; merge names two or more).")
    static final class Discuss extends Base {
        @Parameters(index = "0", paramLabel = "TASK")
        String taskId;

        @Option(names = "--kind", required = true, paramLabel = "KIND",
                description = "argument, proposal, agreement, objection, merge or vote.")
        String kind;

        @Option(names = "--text", paramLabel = "TEXT")
        String text;

        @Option(names = "--ref", paramLabel = "ID", description = "A response or message it is about (repeatable).")
        List<String> refs = new ArrayList<>();

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            RoomMessage.Kind k;
            try {
                k = RoomMessage.Kind.fromWire(kind);
            } catch (dev.carapace.crypto.CryptoException e) {
                throw CliException.usage(e.getMessage());
            }
            RoomMessage m = agent.discuss(taskId, k, refs, text);
            ObjectNode o = Json.object();
            o.put("task", taskId);
            o.put("message", m.id());
            out().println(json ? Json.compact(o) : "said " + k.wire() + " " + m.id());
            return ExitCodes.OK;
        }
    }

    @Command(name = "close", mixinStandardHelpOptions = true,
            description = {"Publish the signed outcome (the consensus function's result on the room's transcript,"
                    + " the accepted responses and a rating of each responder) and print its log index."})
    static final class Close extends Base {
        @Parameters(index = "0", paramLabel = "TASK")
        String taskId;

        @Option(names = "--accept", paramLabel = "RESPONSE", description = "An accepted response (repeatable);"
                + " default: what the consensus accepts.")
        List<String> accept = new ArrayList<>();

        @Option(names = "--rate", paramLabel = "ID=good|bad", description = "Rate a responder (repeatable).")
        List<String> rate = new ArrayList<>();

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            List<TaskOutcome.Rating> ratings = new ArrayList<>();
            for (String r : rate) {
                int eq = r.indexOf('=');
                String value = eq < 0 ? "" : r.substring(eq + 1);
                if (!value.equals("good") && !value.equals("bad")) {
                    throw CliException.usage("--rate takes ID=good or ID=bad: " + r);
                }
                ratings.add(new TaskOutcome.Rating(r.substring(0, eq), value.equals("good")));
            }
            TaskAgent.Closed c = agent.close(taskId, accept, ratings);
            ObjectNode o = Json.object();
            o.put("task", taskId);
            o.put("outcome", c.outcome().id());
            o.put("result", c.outcome().result().wire());
            ArrayNode acc = o.putArray("accepted");
            c.outcome().accepted().forEach(acc::add);
            if (c.logIndex() == null) {
                o.putNull("logIndex");
            } else {
                o.put("logIndex", c.logIndex());
            }
            out().println(json ? Json.compact(o) : "closed " + taskId + ": " + c.outcome().result().wire()
                    + (c.logIndex() == null ? " (log entry pending)" : ", log index " + c.logIndex()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Print new tasks and room messages as they arrive (push), until interrupted; opens rooms"
                    + " and says your answers in them meanwhile. Takes the home's lock only around each step."})
    static final class Watch extends Base implements HomeLock.PerStep {
        @Option(names = "--once", description = "One step, then exit.")
        boolean once;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            Semaphore pending = new Semaphore(0);
            java.net.http.WebSocket push = null;
            java.util.Set<String> seen = new java.util.HashSet<>();
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    TaskAgent.Progress p;
                    List<Task> open;
                    TaskAgent agent;
                    ChatCommand.Session session;
                    try (HomeLock lock = HomeLock.acquire(home.dir(), err())) {
                        session = ChatCommand.session(home, hub, err());
                        agent = new TaskAgent(Hubs.client(hub), session.chat(), session.identity(), session.key(),
                                home.dir().resolve("tasks"), session.storageKey());
                        p = ChatCommand.guarded(hub, agent::pump);
                        open = ChatCommand.guarded(hub, () -> agent.hub().list(null));
                    }
                    for (Task t : open) {
                        if (seen.add(t.id())) {
                            print("task", t.id(), t.requester(), t.sealed() ? null : t.body().text());
                        }
                    }
                    for (Task t : p.tasks()) {
                        print("question", t.id(), t.requester(), null);
                    }
                    for (RoomMessage m : p.messages()) {
                        print(m.kind().wire(), m.task(), m.author(), said(m));
                    }
                    out().flush();
                    if (once) {
                        break;
                    }
                    if (push == null || push.isInputClosed()) {
                        var chat = session.chat();
                        push = ChatCommand.guarded(hub, () -> chat.openPush(pending::release));
                    }
                    pending.tryAcquire(30, TimeUnit.SECONDS);
                    pending.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (push != null) {
                    push.abort();
                }
            }
            return ExitCodes.OK;
        }

        private void print(String what, String task, String author, String text) {
            if (json) {
                ObjectNode o = Json.object();
                o.put("event", what);
                o.put("task", task);
                o.put("from", author);
                if (text != null) {
                    putUntrusted(o, "said", text);
                }
                out().println(Json.compact(o));
            } else {
                out().println(what + " " + task + " from " + author);
                if (text != null) {
                    out().println(UntrustedText.frame(author, text));
                }
            }
        }

        @Override
        int run(Home home, TaskAgent agent, URI hub) {
            throw new UnsupportedOperationException("watch runs step by step");
        }
    }
}
