import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program found on PATH and waits for it with a blocking `waitpid`: Foundation's `Process`
/// on Linux looks for the exit every 50 ms, which a command that asks git a few questions pays
/// each time.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: Data
        var error: Data
    }

    /// Runs `arguments` (the program first), with `input` on standard input (none: closed), and
    /// returns its exit status and both outputs, read as it writes them.
    static func run(_ arguments: [String], input: Data? = nil) throws -> Result {
        let child = try spawn(arguments)
        defer { close(child.output); close(child.error) }
        let errors = Collected()
        let reading = DispatchGroup()
        reading.enter()
        DispatchQueue.global().async {
            errors.value = readAll(child.error)
            reading.leave()
        }
        if let input {
            let bytes = Unchecked(input)
            let descriptor = child.input
            DispatchQueue.global().async {
                bytes.value.withUnsafeBytes { buffer in
                    if let base = buffer.baseAddress {
                        _ = try? writeAll(
                            descriptor, UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: buffer.count), path: "<pipe>")
                    }
                }
                close(descriptor)
            }
        } else {
            close(child.input)
        }
        let output = readAll(child.output)
        reading.wait()
        return Result(status: wait(child.pid), output: output, error: errors.value)
    }

    /// A running child and the parent's ends of its three pipes.
    struct Child {
        var pid: pid_t
        var input: Int32
        var output: Int32
        var error: Int32
    }

    /// Starts `arguments` with pipes for standard input, output and error.
    static func spawn(_ arguments: [String]) throws -> Child {
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw EvalDBError.cannotRead(path: arguments.first ?? "", reason: String(cString: strerror(errno)))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for descriptor in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw EvalDBError.cannotRead(path: arguments[0], reason: "cannot run it: \(String(cString: strerror(rc)))")
        }
        return Child(pid: pid, input: inPipe[1], output: outPipe[0], error: errPipe[0])
    }

    /// Waits for the child; its exit status (128 + the signal when it was killed).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func readAll(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                data.append(buffer, count: count)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }
}

/// What a reading thread leaves for the waiting one.
private final class Collected: @unchecked Sendable {
    var value = Data()
}
