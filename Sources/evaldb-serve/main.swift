import EvalDBCLI
import EvalDBServe

// `evaldb serve` runs here (ServeProgram): the command line with the review server linked in.
extension ReviewServer: ReviewServing {}

ServeProgram.server = ReviewServer.self
EvalDB.runCommandLine()
