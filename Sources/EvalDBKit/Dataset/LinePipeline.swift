import Foundation

/// The one way evaldb reads a JSONL file, whatever its lines hold (dataset records in
/// `DatasetReader`, results, proposals and verdicts in `JSONLObjects`, production traces in
/// `TraceSampler`): one thread reads the file's lines in batches of a few hundred KiB (`RawLines`:
/// copied, or left in the file mapped into memory),
/// worker threads each turn a batch into an output with a worker of their own (parse, check,
/// hash), and the calling thread receives the outputs in file order. Memory holds a few batches
/// whatever the file's size.
///
///     lines ──▶ reading thread ──RawLines──▶ workers (× 2–4) ──Output──▶ Sequencer ──▶ caller, in order
///
/// Errors thrown by the reader or a worker reach the caller after the outputs before them; the
/// caller stops the pipeline by returning false (an error limit reached) or by throwing.
struct LinePipeline {
    /// Lines a batch holds, by bytes, when they are copied out of the file.
    static let batchBytes = 1 << 18
    /// Lines a batch holds, by bytes, when they stay in the mapped file (a hand-off costs more than
    /// the copy it saves at 256 KiB).
    static let mappedBatchBytes = 1 << 19

    let lines: LineReader
    let workerCount = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))

    init(_ lines: LineReader) { self.lines = lines }

    /// Reads every line. `inspect` sees each line on the reading thread before it is batched (the
    /// trace sampler learns the file's form from its first object line there); `makeWorker` is
    /// called once on each worker thread; `receive` gets the outputs in file order on this thread
    /// and returns false to stop reading. When `run` returns, every thread is done and `lines` is
    /// the caller's again.
    func run<Output: Sendable>(
        inspect: (@Sendable (_ number: Int, _ line: UnsafeBufferPointer<UInt8>) -> Void)? = nil,
        makeWorker: @escaping @Sendable () -> (RawLines) throws -> Output,
        receive: (Output) throws -> Bool
    ) throws {
        let raw = Handoff<RawLines>(limit: 2 * workerCount)
        let done = Sequencer<Output>(window: 2 * workerCount, producers: workerCount)
        let running = DispatchGroup()
        let shared = Unchecked(lines)  // the reading thread's until `running.wait()`
        running.enter()
        startThread {
            defer { running.leave() }
            Self.read(shared.value, inspect: inspect, into: raw)
        }
        for _ in 0..<workerCount {
            running.enter()
            startThread {
                defer { running.leave() }
                let work = makeWorker()
                do {
                    while let batch = try raw.take() {
                        guard done.put(batch.sequence, try work(batch)) else { break }
                    }
                    done.producerFinished()
                } catch {
                    done.fail(error)
                }
            }
        }
        defer {
            raw.cancel()
            done.cancel()
            running.wait()
        }
        while let output = try done.take() {
            guard try receive(output) else { break }
        }
    }

    /// The reading thread: the file's lines, `batchBytes` at a time; a regular file is mapped into
    /// memory (`LineReader.forEachMappedLine`) and its lines, not copied, go `mappedBatchBytes` at a
    /// time, each batch holding the region its lines are in.
    private static func read(
        _ lines: LineReader, inspect: (@Sendable (Int, UnsafeBufferPointer<UInt8>) -> Void)?, into raw: Handoff<RawLines>
    ) {
        let mapped = lines.isMappable
        var batch = RawLines(sequence: 0, mapped: mapped)
        var batchBytes = 0
        func handOver() throws {
            batch.bytesRead = lines.bytesRead
            guard raw.put(batch) else { throw ReadingCancelled() }
            batch = RawLines(sequence: batch.sequence + 1, mapped: mapped)
            batchBytes = 0
        }
        func add(_ number: Int, _ range: Range<Int>) {
            batch.lines.append(
                RawLine(
                    number: number, range: range, hadCarriageReturn: lines.lineHadCarriageReturn,
                    afterByteOrderMark: number == 1 && lines.hadByteOrderMark))
            batchBytes += range.count
        }
        do {
            if mapped {
                try lines.forEachMappedLine { number, line, region in
                    inspect?(number, line)
                    if batch.region !== region {
                        if !batch.lines.isEmpty { try handOver() }
                        batch.region = region
                    }
                    let start = region.bytes.baseAddress!.distance(to: line.baseAddress!)
                    add(number, start..<start + line.count)
                    if batchBytes >= mappedBatchBytes {
                        try handOver()
                        batch.region = region
                    }
                }
            } else {
                try lines.forEachLine { number, line in
                    inspect?(number, line)
                    let start = batch.bytes.count
                    batch.bytes.append(contentsOf: line)
                    add(number, start..<batch.bytes.count)
                    if batchBytes >= Self.batchBytes { try handOver() }
                }
            }
            if !batch.lines.isEmpty { try handOver() }
            raw.finish()
        } catch is ReadingCancelled {
            raw.finish()
        } catch {
            raw.finish(error: error)
        }
    }
}

private struct ReadingCancelled: Error {}
