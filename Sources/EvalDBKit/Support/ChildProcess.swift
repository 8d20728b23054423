import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program started with an argument vector (`posix_spawnp`: no shell ever sees its arguments or
/// its input), in a process group of its own so that a timeout or Ctrl-C ends whatever it started
/// too, with pipes for its standard input, output and error.
struct ChildProcess {
    let pid: pid_t
    /// The parent's ends, non-blocking and closed on exec.
    let input: Int32
    let output: Int32
    let error: Int32

    /// Pipes and spawns are made one at a time: a pipe made by one thread must be marked
    /// close-on-exec before another thread's child could inherit it (a child holding another's pipe
    /// would keep it open past that child's end).
    private static let spawnLock = NSLock()

    /// Starts `arguments` (the program first, found on PATH) with `environment` and `extra`
    /// (`NAME=value` strings), in a process group of its own unless `ownGroup` is false, with the
    /// parent's ends non-blocking unless `nonBlocking` is false. Signals the parent ignores
    /// (SIGPIPE, SIGINT while `run exec` handles it) are default again in the child.
    static func start(
        _ arguments: [String], environment: ChildEnvironment, extra: [String] = [], ownGroup: Bool = true, nonBlocking: Bool = true
    ) throws(ChildProcessError) -> ChildProcess {
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0 else { throw ChildProcessError(reason: String(cString: strerror(errno))) }
        guard pipe(&outPipe) == 0 else {
            inPipe.forEach { close($0) }
            throw ChildProcessError(reason: String(cString: strerror(errno)))
        }
        guard pipe(&errPipe) == 0 else {
            (inPipe + outPipe).forEach { close($0) }
            throw ChildProcessError(reason: String(cString: strerror(errno)))
        }
        for descriptor in inPipe + outPipe + errPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil  // an opaque pointer there, a struct on Linux
        #else
            var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        #if canImport(Darwin)
            var attributes: posix_spawnattr_t? = nil
        #else
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownGroup { posix_spawnattr_setpgroup(&attributes, 0) }
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16((ownGroup ? POSIX_SPAWN_SETPGROUP : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = arguments.map { strdup($0) } + [nil]
        let added = extra.map { strdup($0) }
        defer {
            argv.forEach { free($0) }
            added.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = environment.withPointers(adding: added) { envp in
            posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        }
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw ChildProcessError(reason: String(cString: strerror(rc)))
        }
        for descriptor in [inPipe[1], outPipe[0], errPipe[0]] where nonBlocking {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return ChildProcess(pid: pid, input: inPipe[1], output: outPipe[0], error: errPipe[0])
    }

    /// Kills the child's process group (and the child, should it have left it).
    func kill() {
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
    }

    /// Whether the child has ended, without reaping it: until it is reaped its pid (and process
    /// group) cannot name another process, so it can still be killed safely.
    func hasEnded() -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_signo == SIGCHLD
    }

    /// Waits for the child and returns its exit status (128 + the signal when it was killed).
    func reap() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Closes the parent's ends that are still open.
    func closeAll() {
        for descriptor in [input, output, error] where descriptor >= 0 { close(descriptor) }
    }

    /// Whether `program` can be started: a path to an executable file, or a name found on PATH.
    static func canStart(_ program: String) -> Bool {
        if program.contains("/") { return access(program, X_OK) == 0 }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":", omittingEmptySubsequences: false).contains { folder in
            let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + program
            var info = stat()
            return stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(candidate, X_OK) == 0
        }
    }
}

/// A child could not be started.
struct ChildProcessError: Error, Sendable {
    var reason: String
}

/// The environment children get: this process's, as `NAME=value` C strings made once, without
/// the variables `run exec` sets per example.
final class ChildEnvironment: @unchecked Sendable {  // immutable after init: C strings made once, only read
    private let strings: [UnsafeMutablePointer<CChar>?]

    /// This process's environment without the variables named in `excluding`.
    init(excluding names: [String]) {
        var strings: [UnsafeMutablePointer<CChar>?] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if !names.contains(where: { text.hasPrefix($0 + "=") }) { strings.append(strdup(entry)) }
            pointer += 1
        }
        self.strings = strings
    }

    deinit { strings.forEach { free($0) } }

    /// Calls `body` with a NULL-terminated array of the environment and `added`.
    func withPointers<Result>(adding added: [UnsafeMutablePointer<CChar>?], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result) -> Result {
        body(strings + added + [nil])
    }
}

/// Monotonic seconds.
func monotonicNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
