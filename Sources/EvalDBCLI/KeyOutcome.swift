import EvalDBKit

/// What a review loop (`review`, `review --proposals`) does after a key.
enum KeyOutcome {
    /// Shows the example (the next one, or the same again) before the next prompt.
    case show
    /// Keeps the screen: the next prompt comes under what the key printed.
    case stay
    /// Ends the loop.
    case quit

    /// What both review loops do with a key they have read: the loop's own action for it (`act`,
    /// nil for a key that is not one of the loop's), else the keys every loop shares — q quits,
    /// ? and h print `help`, any other key is unknown. A library error from the action is printed
    /// in red and the screen kept, so the session goes on; any other error ends the loop.
    static func after(_ key: Character, help: String, screen: ExampleScreen, _ act: () throws -> KeyOutcome?) throws -> KeyOutcome {
        do {
            if let outcome = try act() { return outcome }
        } catch let error as EvalDBError {
            Output.stdout(screen.paint("evaldb: \(Messages.describe(error))", "31"))
            return .stay
        }
        switch key {
        case "q":
            return .quit
        case "?", "h":
            Output.stdout(help)
            return .stay
        default:
            Output.stdout("unknown key \(quotedKey(key)); ? lists the keys")
            return .stay
        }
    }
}
