import FlyingFox
import FlyingSocks
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// FlyingFox's socket pool, with Nagle's algorithm off on every socket it waits on: a response
/// goes out as two writes (head, then body), and with Nagle on the body waits for the client's
/// delayed ACK of the head — 40 ms a request. The listening socket is waited on first, and on
/// Linux the sockets it accepts inherit the option.
struct NoDelayPool: AsyncSocketPool {
    let base: any AsyncSocketPool

    func prepare() async throws { try await base.prepare() }

    func run() async throws { try await base.run() }

    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        var on: Int32 = 1
        _ = setsockopt(socket.file.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
