import Foundation
import Testing

@Suite("synth: synthetic inputs through the real system, proposals a person must give an expected output", .serialized)
struct SynthTests {
    static let rewriter = """
        import json, os, sys
        record = json.loads(sys.stdin.read())
        if record["labels"].get("mode") == "exit":
            sys.stderr.write("rate limited\\n"); sys.exit(2)
        n = int(os.environ["EVALDB_SYNTH_N"])
        print(json.dumps(record["input"]))  # the input itself: no rewrite
        for k in range(n + 1):
            print(json.dumps(record["input"] + " (variant %d)" % k))
        print("")
        """

    @Test("each rewrite becomes a proposal with the system's output; accepting needs a person's expected output, and the author is the reviewer")
    func synthProposals() throws {
        let folder = try ExecFolder(records: [
            execRecord("s-1", mode: "env", input: "a table for two?"), execRecord("s-2", mode: "exit", input: "refund"),
        ])
        defer { folder.cli.cleanUp() }
        try folder.cli.write("rewrite.py", Self.rewriter)
        let synth = try folder.evaldb(["synth", "--n", "2", "--", "python3", "rewrite.py", "--", "python3", "system.py"])
        #expect(synth.status == 0, "\(synth.stderr)")
        #expect(synth.output.contains("synth: 2 examples rewritten, 2 proposals queued, each with the system's output"), "\(synth.output)")
        #expect(synth.stderr.contains("s-2: the rewriter exited with status 2; no rewrites of it"), "\(synth.stderr)")
        // The system saw each rewrite (and nothing else): two runs, with the new ids.
        let calls = try folder.takeCalls()
        #expect(calls.count == 2 && calls.allSatisfy { ($0["id"] as? String)?.hasPrefix("s-1-synth-") == true }, "\(calls)")
        #expect(calls.allSatisfy { ($0["stdin"] as? String)?.contains("(variant ") == true })

        // Accepting as it is is refused; with an expected output of the reviewer's it is accepted, authored by her.
        let review = try CLI.execute(
            CLI.binary, ["review", "--proposals", "--reviewer", "rita"], in: folder.folder,
            stdin: Data("a\no {\"action\": \"reply\"}\na\nr not how people write\nq\n".utf8), environment: ["EVALDB_DB": folder.cli.database])
        #expect(review.status == 0, "\(review.stderr)")
        #expect(review.output.contains("a synthetic input needs an expected output set by a person"), "\(review.output)")
        #expect(review.output.contains("the system answered: {\"id\": \"s-1-synth-"), "the system's output is shown: \(review.output)")
        #expect(review.output.contains("accepted proposal #1 with 1 edit") && review.output.contains("rejected proposal #2"), "\(review.output)")
        let exported = try folder.evaldb(["export"]).output.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let accepted = try #require(exported.first { ($0["id"] as? String)?.hasPrefix("s-1-synth-") == true })
        #expect(accepted["author"] as? String == "rita" && accepted["source"] as? String == "synth:s-1")
        #expect(accepted["expected_output"] as? [String: String] == ["action": "reply"])
        #expect(accepted["input"] as? String == "a table for two? (variant 0)")
        #expect((accepted["labels"] as? [String: Any])?["synth_of"] as? String == "s-1")
        #expect(exported.count == 3)

        // The same rewrites again: proposed before, skipped.
        let again = try folder.evaldb(["synth", "--id", "s-1", "--n", "2", "--", "python3", "rewrite.py"])
        #expect(again.status == 0 && again.output.contains("0 proposals queued"), "\(again.output) \(again.stderr)")
    }
}
