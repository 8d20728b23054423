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
        let errors = ThreadResult<Data>()
        DispatchQueue.global().async { errors.set(readAll(child.error)) }
        if let input {
            let descriptor = child.input
            DispatchQueue.global().async {
                input.withUnsafeBytes { buffer in
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
        let error = errors.take()
        return Result(status: wait(child.pid), output: output, error: error)
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
        do {
            let child = try ChildProcess.start(arguments, environment: ChildEnvironment(excluding: []), ownGroup: false, nonBlocking: false)
            return Child(pid: child.pid, input: child.input, output: child.output, error: child.error)
        } catch {
            throw EvalDBError.cannotRead(path: arguments.first ?? "", reason: "cannot run it: \(error.reason)")
        }
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
