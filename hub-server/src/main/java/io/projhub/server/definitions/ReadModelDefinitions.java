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

import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.core.projection.LaneState;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;
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
 * physical name) and builds from the start of the log beside the live one, on a lane of its own
 * ({@code <name>~v<version>}), while queries keep reading the live version; once it has caught up,
 * {@link #switchCaughtUp} switches queries and the read model's lane to it, and the previous version stays for
 * {@code keepPrevious} (it can be switched back to until then), then its data are dropped. A definition whose file
 * was deleted stops its lane and keeps its data until {@link #drop} removes them.
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
    private final ReadModelBuilds builds;
    private final ReadModels readModels;
    /** Read models whose definition was removed: their data stay until dropped. */
    private final Map<String, DefinedReadModel> removed = new LinkedHashMap<>();
    /** New versions building beside the live one, by read-model name. */
    private final Map<String, DefinedReadModel> building = new LinkedHashMap<>();
    /** The version each switch replaced, kept for {@code keepPrevious}. */
    private final Map<String, Previous> previous = new LinkedHashMap<>();
    private final Duration keepPrevious;
    /** Set once the start-up load is done: later loads are reloads. */
    private boolean started;
    /** What a caught-up build must pass before it is switched to (the drift audit, when the monitor runs). */
    private volatile CutoverCheck cutoverCheck = CutoverCheck.NONE;

    private record Previous(DefinedReadModel model, Instant replacedAt) {
    }

    public ReadModelDefinitions(Path dir, Duration keepPrevious, DefinedReadModelFactory factory,
                                ReadModelBuilds builds, ReadModels readModels) {
        this.dir = dir;
        this.builds = builds;
        this.keepPrevious = keepPrevious;
        this.factory = factory;
        this.readModels = readModels;
    }

    public ReadModels readModels() {
        return readModels;
    }

    /** Builds that have caught up switch only once {@code check} passes them (set once, by the audit's wiring). */
    public void verifyCutoverWith(CutoverCheck check) {
        this.cutoverCheck = java.util.Objects.requireNonNull(check, "check");
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
        started = true;
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
        Map<String, DefinedReadModel> abandoned = new LinkedHashMap<>(building);
        Map<String, ReadModel> current = live();
        List<ReadModel> nextLive = new ArrayList<>();
        Map<String, DefinedReadModel> nextBuilding = new LinkedHashMap<>();
        Map<String, Previous> restored = new LinkedHashMap<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        for (ReadModelProgram program : programs) {
            String name = program.definition().name();
            if (!factory.storeEnabled(program.definition().store())) {
                // Switching a store off switches its read models off; the file stays valid for when it is back.
                log.warn("read_models=definitions event=skipped name={} file={} reason=store-switched-off store={}",
                        name, program.definition().source(), program.definition().store().id());
                continue;
            }
            ReadModel live = current.get(name);
            DefinedReadModel pending = building.get(name);
            if (live != null && live.defined().program().hash().equals(program.hash())) {
                nextLive.add(live);
                if (pending != null && pending.program().hash().equals(program.hash())) {
                    nextBuilding.put(name, pending); // a rebuild goes on
                }
                unchanged.add(name);
                continue;
            }
            if (live != null && live.defined().program().definition().version() == program.definition().version()) {
                errors.add(new DefinitionError(program.definition().source(), lineOf(program, "version:"), 1,
                        "the definition of " + name + " changed but its version did not: raise version (now "
                                + program.definition().version() + ") to build the new one beside the old one"));
                continue;
            }
            if (live != null && pending != null && pending.program().hash().equals(program.hash())) {
                nextLive.add(live);
                nextBuilding.put(name, pending);
                unchanged.add(name);
                continue;
            }
            DefinedReadModel created;
            DefinedReadModel resumed = null;
            try {
                ReadModelBuilds.Builds recorded = builds.of(name, program.definition().version());
                created = factory.create(program, recorded.live());
                if (live == null && recorded.building().isPresent()
                        && recorded.building().getAsInt() != recorded.live()) {
                    // a rebuild the hub had not finished when it stopped goes on beside the live build
                    resumed = factory.create(program, recorded.building().getAsInt());
                }
                if (live == null) {
                    restorePrevious(program, recorded.live()).ifPresent(p -> restored.put(name, p));
                }
            } catch (RuntimeException | java.sql.SQLException e) {
                errors.add(new DefinitionError(program.definition().source(), lineOf(program, "store:"), 1,
                        e.getMessage()));
                continue;
            }
            checkStoredHash(program, created, started).ifPresent(errors::add);
            if (live == null) {
                nextLive.add(ReadModel.of(created));
                if (resumed != null) {
                    nextBuilding.put(name, resumed);
                }
                added.add(name);
            } else {
                // A new version builds beside the live one, which keeps answering until it has caught up.
                nextLive.add(live);
                nextBuilding.put(name, created);
                changed.add(name);
            }
        }
        if (!errors.isEmpty()) {
            throw new DefinitionException(errors);
        }
        publish(nextLive, nextBuilding);
        restored.forEach(previous::putIfAbsent);
        List<String> gone = new ArrayList<>();
        current.forEach((name, model) -> {
            if (nextLive.stream().noneMatch(m -> m.name().equals(name))) {
                gone.add(name);
                removed.put(name, model.defined());
            }
        });
        abandoned.forEach((name, model) -> {
            if (nextBuilding.get(name) != model) {
                // an abandoned build: its data wait to be dropped like a removed read model's
                removed.put(BuildingLane.laneName(model), model);
                notBuilding(model);
            }
        });
        forgetTargetsInUse();
        log.info("read_models=definitions event=reloaded added={} building={} removed={} unchanged={}", added,
                changed, gone, unchanged.size());
        return new ReloadOutcome(added, changed, gone, unchanged);
    }

    /**
     * Switches each read model whose new version has caught up with the live one (its lane is live and its
     * checkpoint covers the live lane's): queries then read the new version and its projector takes over the read
     * model's lane; the previous version stops and stays for {@code keepPrevious}, then its data are dropped.
     *
     * @return the names switched
     */
    public synchronized List<String> switchCaughtUp(SubscriberStatus status, Instant now) {
        Map<String, LaneStatus> lanes = new LinkedHashMap<>();
        status.lanes().forEach(lane -> lanes.put(lane.name(), lane));
        List<String> switched = new ArrayList<>();
        Map<String, ReadModel> current = live();
        Map<String, DefinedReadModel> nextBuilding = new LinkedHashMap<>(building);
        List<ReadModel> nextLive = new ArrayList<>(current.values());
        building.forEach((name, model) -> {
            LaneStatus lane = lanes.get(BuildingLane.laneName(model));
            LaneStatus liveLane = lanes.get(name);
            ReadModel live = current.get(name);
            if (lane == null || live == null || lane.state() != LaneState.LIVE || lane.checkpoint() == null) {
                return;
            }
            // (a live checkpoint the log does not hold, after a restore, is no measure: the new build is the repair)
            if (liveLane != null && liveLane.checkpoint() != null && !liveLane.checkpointNotInLog()
                    && !lane.checkpoint().covers(liveLane.checkpoint())) {
                return;
            }
            try {
                if (cutoverCheck.verdict(BuildingLane.laneName(model), model) != CutoverCheck.Verdict.PASS) {
                    return; // the build has caught up, its audit has not passed yet: the live build keeps answering
                }
            } catch (RuntimeException e) {
                log.warn("read_model={} event=cutover-check-failed build={} error=\"{}\"", name,
                        BuildingLane.laneName(model), e.toString());
                return; // asked again on the next round; the other builds are not held up
            }
            try {
                model.promote();
                builds.live(name, model.program().definition().version(), model.generation());
                DefinedReadModel replaced = live.defined();
                builds.replaced(name, new ReadModelBuilds.Replaced(replaced.program().definition().version(),
                        replaced.generation(), replaced.program().text(), now));
            } catch (Exception e) {
                log.warn("read_model={} event=switch-deferred build={} error=\"{}\"", name,
                        BuildingLane.laneName(model), e.toString());
                return; // tried again on the next round
            }
            nextLive.set(nextLive.indexOf(live), ReadModel.of(model));
            nextBuilding.remove(name);
            switched.add(name);
        });
        if (!switched.isEmpty()) {
            // First the building lanes stop (replaceLanes returns once they have), then the read models' own lanes
            // take the new versions over from their checkpoints: never two lanes writing one version at once.
            publish(new ArrayList<>(current.values()), nextBuilding);
            publish(nextLive, nextBuilding);
            for (String name : switched) {
                ReadModel old = current.get(name);
                Previous replaced = previous.put(name, new Previous(old.defined(), now));
                if (replaced != null) {
                    dropUnreachable(name, replaced.model()); // only the last build replaced can be switched back to
                }
                DefinedReadModel switchedTo = live().get(name).defined();
                log.info("read_model={} event=switched version={} generation={} previous_version={} "
                                + "previous_generation={}", name, switchedTo.program().definition().version(),
                        switchedTo.generation(), old.defined().program().definition().version(), old.defined().generation());
            }
            forgetTargetsInUse();
        }
        dropExpiredPrevious(now);
        return switched;
    }

    /**
     * Goes back to the previous version of {@code name} (until {@code keepPrevious} has passed since the switch): it
     * builds beside the live one again from where it stopped, and queries switch to it once it has caught up. The
     * file still says the newer version: the next reload builds that one again, unless the file is changed back.
     *
     * @throws IllegalArgumentException if there is no previous version of that read model
     * @throws IllegalStateException    if a version of it is building
     */
    public synchronized int switchBack(String name) {
        Previous back = previous.get(name);
        if (back == null) {
            throw new IllegalArgumentException("The read model " + name + " has no previous version to switch back to"
                    + " (kept " + keepPrevious + " after a switch)");
        }
        if (building.containsKey(name)) {
            throw new IllegalStateException("A version of " + name + " is building; wait for it or reload");
        }
        if (!live().containsKey(name)) {
            throw new IllegalArgumentException("The read model " + name + " is no longer defined");
        }
        Map<String, DefinedReadModel> nextBuilding = new LinkedHashMap<>(building);
        nextBuilding.put(name, back.model());
        publish(new ArrayList<>(live().values()), nextBuilding);
        previous.remove(name);
        try {
            builds.noPrevious(name, back.model().program().definition().version(), back.model().generation());
            builds.building(name, back.model().program().definition().version(), back.model().generation());
        } catch (java.sql.SQLException e) {
            log.warn("read_model={} event=build-record-failed error=\"{}\"", name, e.toString());
        }
        return back.model().program().definition().version();
    }

    /**
     * Rebuilds {@code name} from the start of the log beside its live build, which keeps answering queries: the next
     * generation of the same version gets physical names of its own (index, tables, key prefix, marker, measurement)
     * and a lane {@code <name>~v<version>r<generation>}; once it has caught up with the live one, {@link
     * #switchCaughtUp} switches queries to it, and the build it replaced is kept for {@code keepPrevious} (and can be
     * switched back to) before its data are dropped.
     *
     * @return the lane of the new build
     * @throws IllegalArgumentException if no read model of a definition file has that name
     * @throws IllegalStateException    if a build of it is already running (its lane is named)
     */
    public synchronized String rebuild(String name) throws Exception {
        ReadModel live = live().get(name);
        if (live == null) {
            throw new IllegalArgumentException("No read model is named " + name);
        }
        DefinedReadModel running = building.get(name);
        if (running != null) {
            throw new IllegalStateException("A build of " + name + " is running already (lane "
                    + BuildingLane.laneName(running) + "); its progress is in /api/lanes");
        }
        DefinedReadModel current = live.defined();
        int version = current.program().definition().version();
        int generation = current.generation() + 1;
        Previous kept = previous.get(name);
        if (kept != null && kept.model().program().definition().version() == version) {
            generation = Math.max(generation, kept.model().generation() + 1);
        }
        DefinedReadModel next;
        try {
            next = factory.create(current.program(), generation);
            next.projector().reset(); // whatever an abandoned build of this generation left behind
        } catch (Exception e) {
            // the store refused the new build's names (too long with r<generation>) or could not prepare them
            throw new BuildNotPrepared("the new build " + generation + " of " + name + " could not be prepared: "
                    + e.getMessage(), e);
        }
        Map<String, DefinedReadModel> nextBuilding = new LinkedHashMap<>(building);
        nextBuilding.put(name, next);
        try {
            publish(new ArrayList<>(live().values()), nextBuilding);
        } catch (RuntimeException e) {
            throw new BuildNotPrepared("the lane of the new build " + generation + " of " + name
                    + " was refused: " + e.getMessage(), e);
        }
        // recorded once its lane runs: a restart resumes it (a record that fails only loses the resumption; the next
        // rebuild of this generation starts with a reset)
        builds.building(name, version, generation);
        String lane = BuildingLane.laneName(next);
        log.info("read_model={} event=rebuild-started version={} generation={} lane={}", name, version, generation,
                lane);
        return lane;
    }

    /** A rebuild whose new build the store could not prepare (its names refused, the store down). */
    public static final class BuildNotPrepared extends Exception {
        BuildNotPrepared(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The build of each read model building beside its live one ({@code v<version>} or {@code v<version>r<n>}). */
    public synchronized Map<String, String> building() {
        Map<String, String> builds = new LinkedHashMap<>();
        building.forEach((name, model) -> builds.put(name, tag(model)));
        return builds;
    }

    /** The replaced build of each read model still kept ({@code v<version>} or {@code v<version>r<n>}). */
    public synchronized Map<String, String> previous() {
        Map<String, String> builds = new LinkedHashMap<>();
        previous.forEach((name, p) -> builds.put(name, tag(p.model())));
        return builds;
    }

    private static String tag(DefinedReadModel model) {
        return "v" + model.program().definition().versionTag(model.generation());
    }

    /**
     * A removed or previous version whose target (its name and version: the physical names) is live or building
     * again must never be dropped: forget it.
     */
    private void forgetTargetsInUse() {
        java.util.Set<String> inUse = new java.util.HashSet<>();
        readModels.defined().forEach(m -> inUse.add(target(m.defined())));
        removed.values().removeIf(m -> inUse.contains(target(m)));
        previous.values().removeIf(p -> inUse.contains(target(p.model())));
    }

    private static String target(DefinedReadModel model) {
        return model.program().definition().name() + ":v"
                + model.program().definition().versionTag(model.generation());
    }

    private void dropUnreachable(String name, DefinedReadModel model) {
        if (readModels.defined().stream().anyMatch(m -> target(m.defined()).equals(target(model)))) {
            return;
        }
        try {
            model.drop();
            forgetPrevious(name, model);
            log.info("read_model={} event=previous-build-dropped build={}", name, target(model));
        } catch (Exception e) {
            log.warn("read_model={} event=previous-build-drop-failed build={} error=\"{}\"", name, target(model),
                    e.toString());
        }
    }

    /**
     * The build a switch replaced before the hub stopped, compiled again from the definition text kept with it:
     * still kept until {@code keepPrevious} has passed since the switch (then dropped), and switched back to on
     * request. Nothing if none is recorded, it is the live build itself, or its text no longer compiles (logged: its
     * data then stay until dropped by hand).
     */
    private Optional<Previous> restorePrevious(ReadModelProgram live, int liveGeneration) {
        String name = live.definition().name();
        try {
            Optional<ReadModelBuilds.Replaced> recorded = builds.replaced(name);
            if (recorded.isEmpty() || recorded.get().version() == live.definition().version()
                    && recorded.get().generation() == liveGeneration) {
                return Optional.empty();
            }
            ReadModelBuilds.Replaced replaced = recorded.get();
            ReadModelProgram program = replaced.version() == live.definition().version()
                    ? live : loader.compile(live.definition().source(), replaced.definition());
            return Optional.of(new Previous(factory.create(program, replaced.generation()), replaced.replacedAt()));
        } catch (Exception e) {
            log.warn("read_model={} event=previous-build-unknown error=\"{}\"", name, e.toString());
            return Optional.empty();
        }
    }

    /** The build record of a replaced build that is gone: a restarted hub must not look for it again. */
    private void forgetPrevious(String name, DefinedReadModel model) throws java.sql.SQLException {
        builds.noPrevious(name, model.program().definition().version(), model.generation());
    }

    private void notBuilding(DefinedReadModel model) {
        try {
            builds.notBuilding(model.program().definition().name(), model.program().definition().version());
        } catch (java.sql.SQLException e) {
            log.warn("read_model={} event=build-record-failed error=\"{}\"", model.program().definition().name(),
                    e.toString());
        }
    }

    private void dropExpiredPrevious(Instant now) {
        previous.entrySet().removeIf(entry -> {
            if (entry.getValue().replacedAt().plus(keepPrevious).isAfter(now)) {
                return false;
            }
            try {
                entry.getValue().model().drop();
                forgetPrevious(entry.getKey(), entry.getValue().model());
                log.info("read_model={} event=previous-version-dropped version={}", entry.getKey(),
                        entry.getValue().model().program().definition().version());
                return true;
            } catch (Exception e) {
                log.warn("read_model={} event=previous-version-drop-failed error=\"{}\"", entry.getKey(), e.toString());
                return false;
            }
        });
    }

    /** The live read models of definition files, by name (not the versions building beside them). */
    private Map<String, ReadModel> live() {
        Map<String, ReadModel> live = new LinkedHashMap<>();
        readModels.defined().stream().filter(m -> !building(m)).forEach(m -> live.put(m.name(), m));
        return live;
    }

    /** Whether {@code model} is a version building beside a live one (only their lane names hold a {@code ~}). */
    private static boolean building(ReadModel model) {
        return model.name().contains("~");
    }

    private void publish(List<ReadModel> nextLive, Map<String, DefinedReadModel> nextBuilding) {
        List<ReadModel> all = new ArrayList<>(nextLive);
        Map<String, ReadModel> currentBuilding = new LinkedHashMap<>();
        readModels.defined().stream().filter(ReadModelDefinitions::building).forEach(m -> currentBuilding.put(m.name(), m));
        nextBuilding.forEach((name, model) -> {
            String lane = BuildingLane.laneName(model);
            ReadModel existing = currentBuilding.get(lane);
            all.add(existing != null && existing.defined() == model ? existing : new ReadModel(lane,
                    BuildingLane.projector(lane, model.projector()), BuildingLane.probe(lane, model.probe()), model));
        });
        if (!all.equals(readModels.defined())) {
            readModels.replaceDefined(all); // throws (and restores the previous set) if a listener refuses it
        }
        building.clear();
        building.putAll(nextBuilding);
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
        if (readModels.defined().stream().anyMatch(m -> target(m.defined()).equals(target(model)))) {
            removed.remove(name);
            throw new IllegalStateException("The data of " + name + " are in use again (the same version is defined)");
        }
        model.drop();
        removed.remove(name);
        return true;
    }

    private static Optional<DefinitionError> checkStoredHash(ReadModelProgram program, DefinedReadModel model,
                                                             boolean started) {
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
            if (started) {
                // On a reload a store that cannot say what it was built from refuses the change, to be retried.
                return Optional.of(new DefinitionError(program.definition().source(), lineOf(program, "store:"), 1,
                        "the " + program.definition().store().id() + " store did not say which definition version "
                                + program.definition().version() + " was built from (" + e.getClass().getSimpleName()
                                + "); reload again once it answers"));
            }
            // At start a store that is down must not stop the other read models: its lane retries.
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
