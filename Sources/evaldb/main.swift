import EvalDBCLI

// The command line (Sources/EvalDBCLI), without the web server: `serve` runs evaldb-serve.
EvalDB.runCommandLine()
