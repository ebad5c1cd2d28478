package io.projhub.server.definitions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.definitions.DefinitionError;
import io.projhub.definitions.DefinitionException;
import io.projhub.definitions.DefinitionLoader;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

/**
 * The read models of the definition folder: loaded at start (the hub refuses to start with any error, every one
 * listed as {@code file:line:column: what is wrong}) and again on reload, where a folder with errors changes
 * nothing (the hub keeps running the set it has and the caller gets the list).
 *
 * <p>A definition whose file is unchanged keeps its read model (and lane) untouched. A changed file must carry a new
 * {@code version}: the store records the hash of the definition it was built from with the checkpoint, and a
 * different hash under the same version is refused. A new version gets a target of its own (its version is in every
 * physical name) and builds from the start of the log; the previous version's data stay where they are. A definition
 * whose file was deleted stops its lane and keeps its data until {@link #drop} removes them.
 */
public final class ReadModelDefinitions {

    private static final Logger log = LoggerFactory.getLogger(ReadModelDefinitions.class);

    /** What a reload changed, by read-model name. */
    public record ReloadOutcome(List<String> added, List<String> changed, List<String> removed,
                                List<String> unchanged) {
    }

    private final Path dir;
    private final DefinitionLoader loader = new DefinitionLoader();
    private final DefinedReadModelFactory factory;
    private final ReadModels readModels;
    /** Read models whose definition was removed: their data stay until dropped. */
    private final Map<String, DefinedReadModel> removed = new LinkedHashMap<>();

    public ReadModelDefinitions(Path dir, DefinedReadModelFactory factory, ReadModels readModels) {
        this.dir = dir;
        this.factory = factory;
        this.readModels = readModels;
    }

    public ReadModels readModels() {
        return readModels;
    }

    public Path dir() {
        return dir;
    }

    public DefinitionLoader loader() {
        return loader;
    }

    /**
     * Loads the folder at start.
     *
     * @throws DefinitionException every error of every file (the hub does not start)
     */
    public synchronized void loadAtStart() throws DefinitionException, IOException {
        ReloadOutcome outcome = reload();
        log.info("read_models=definitions event=loaded dir={} names={}", dir.toAbsolutePath(), outcome.added());
    }

    /**
     * Loads the folder again and applies what changed; with any error, nothing changes.
     *
     * @throws DefinitionException every error found
     */
    public synchronized ReloadOutcome reload() throws DefinitionException, IOException {
        List<ReadModelProgram> programs = loader.loadDirectory(dir);
        List<DefinitionError> errors = new ArrayList<>();
        Map<String, ReadModel> current = new LinkedHashMap<>();
        readModels.defined().forEach(m -> current.put(m.name(), m));
        List<ReadModel> next = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        for (ReadModelProgram program : programs) {
            String name = program.definition().name();
            if (readModels.builtIn(name)) {
                errors.add(new DefinitionError(program.definition().source(), lineOf(program, "name:"), 1,
                        "the name " + name + " is taken by a built-in read model"));
                continue;
            }
            ReadModel live = current.get(name);
            if (live != null && live.defined().program().hash().equals(program.hash())) {
                next.add(live);
                unchanged.add(name);
                continue;
            }
            DefinedReadModel created;
            try {
                created = factory.create(program);
            } catch (RuntimeException e) {
                errors.add(new DefinitionError(program.definition().source(), lineOf(program, "store:"), 1,
                        e.getMessage()));
                continue;
            }
            checkStoredHash(program, created).ifPresent(errors::add);
            if (live != null && live.defined().program().definition().version() == program.definition().version()) {
                errors.add(new DefinitionError(program.definition().source(), lineOf(program, "version:"), 1,
                        "the definition of " + name + " changed but its version did not: raise version (now "
                                + program.definition().version() + ") to build the new one beside the old one"));
            }
            next.add(ReadModel.of(created));
            (live == null ? added : changed).add(name);
        }
        if (!errors.isEmpty()) {
            throw new DefinitionException(errors);
        }
        List<String> gone = new ArrayList<>();
        current.forEach((name, model) -> {
            if (next.stream().noneMatch(m -> m.name().equals(name))) {
                gone.add(name);
                removed.put(name, model.defined());
            }
        });
        next.forEach(m -> removed.remove(m.name()));
        if (!added.isEmpty() || !changed.isEmpty() || !gone.isEmpty()) {
            readModels.replaceDefined(next);
        }
        log.info("read_models=definitions event=reloaded added={} changed={} removed={} unchanged={}", added, changed,
                gone, unchanged.size());
        return new ReloadOutcome(added, changed, gone, unchanged);
    }

    /** A read model whose definition file was deleted, waiting to be dropped. */
    public synchronized Optional<DefinedReadModel> removed(String name) {
        return Optional.ofNullable(removed.get(name));
    }

    /**
     * Drops the data of a read model whose definition was deleted.
     *
     * @return false if there is no such removed read model
     * @throws IllegalStateException if the read model is still defined
     */
    public synchronized boolean drop(String name) throws Exception {
        if (readModels.find(name).isPresent()) {
            throw new IllegalStateException("The read model " + name + " is still defined in " + dir
                    + ": delete its file and reload first");
        }
        DefinedReadModel model = removed.get(name);
        if (model == null) {
            return false;
        }
        model.drop();
        removed.remove(name);
        return true;
    }

    private static Optional<DefinitionError> checkStoredHash(ReadModelProgram program, DefinedReadModel model) {
        try {
            Optional<String> stored = model.storedHash();
            if (stored.isPresent() && !stored.get().equals(program.hash())) {
                return Optional.of(new DefinitionError(program.definition().source(), lineOf(program, "version:"), 1,
                        "version " + program.definition().version() + " of " + program.definition().name()
                                + " was built from another definition (the store holds hash " + stored.get()
                                + ", the file gives " + program.hash() + "): raise version to build the new one"
                                + " beside the old one"));
            }
        } catch (Exception e) {
            log.warn("read_model={} event=stored-hash-unreadable error=\"{}\"", program.definition().name(),
                    e.toString());
        }
        return Optional.empty();
    }

    /** The line of the file whose text starts with {@code prefix} (1 if none). */
    private static int lineOf(ReadModelProgram program, String prefix) {
        try {
            List<String> lines = Files.readAllLines(Path.of(program.definition().source()), StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(prefix)) {
                    return i + 1;
                }
            }
        } catch (IOException | RuntimeException e) {
            // a previewed definition has no file
        }
        return 1;
    }
}
