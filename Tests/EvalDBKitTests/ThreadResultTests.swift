import Foundation
import Testing

@testable import EvalDBKit

/// `ThreadResult`, the one box for a value one thread makes and another waits for.
@Suite("a thread's result: made on one thread, taken on the one that waits")
struct ThreadResultTests {
    @Test("the waiting thread takes the value the thread made, after the wait; waiting again returns at once")
    func takenAfterTheWait() {
        for round in 0..<50 {
            let made = ThreadResult<[Int]>.start { Array(0..<(1000 + round)) }
            made.wait()
            made.wait()
            #expect(made.take() == Array(0..<(1000 + round)))
        }
    }

    @Test("a value set from a queue (not a thread of its own) is taken once it is set")
    func setFromAQueue() {
        let result = ThreadResult<String>()
        DispatchQueue.global().async { result.set("set") }
        #expect(result.take() == "set")
    }
}
