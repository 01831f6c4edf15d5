package io.inferwire.cli;

import io.inferwire.StreamException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code inferwire} command line. Every command exits 0 on success and non-zero
 * with one line on standard error on failure: 1 for bad input or a failed check, 2
 * for a usage error.
 */
@Command(
        name = "inferwire",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Carries inference outputs (tokens, logits, embeddings) in few bytes: framing, LZ4, inspection.",
        footer = {
            "",
            "The bandwidth and speed report on real model outputs: bin/inferwire bench [--quick] [--json FILE]",
            "(built from benchmarks/, which holds its model and data dependencies)."
        },
        subcommands = {
            DemoCommand.class,
            TensorEncodeCommand.class,
            TensorDecodeCommand.class,
            InspectCommand.class,
            Lz4Command.class,
            SseCommand.Encode.class,
            SseCommand.Decode.class,
            SseCommand.Stats.class,
            BackendsCommand.class,
            SchemaCheckCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the CLI and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit status (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("inferwire " + cmd.getCommandName() + ": " + describe(e));
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("inferwire: " + e.getMessage() + " (see --help)");
            err.flush();
            return 2;
        });
        return cl.execute(args);
    }

    private static String describe(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (e instanceof StreamException || e instanceof IOException || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        return e.toString();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                "inferwire " + (v == null ? "(development build)" : v) + " on Java " + Runtime.version()
            };
        }
    }
}
