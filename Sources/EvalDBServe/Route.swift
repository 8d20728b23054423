import EvalDBKit
import FlyingFox

/// The pages (GET) and the actions (POST, each checked for the CSRF token) by path.
enum Route {
    typealias Handler = @Sendable (Context, Store) throws -> HTTPResponse

    static let pages: [String: Handler] = [
        "/": OverviewPage.show,
        "/queue": QueuePage.show,
        "/example": ExamplePage.show,
        "/proposals": ProposalPages.list,
        "/proposal": ProposalPages.show,
        "/categories": RunPages.categories,
        "/flips": RunPages.flips,
        "/runs": RunsPage.show,
    ]

    static let actions: [String: Handler] = [
        "/read": ExamplePage.markRead,
        "/edit": ExamplePage.edit,
        "/failure": ExamplePage.setFailure,
        "/remove": ExamplePage.remove,
        "/undo": ExamplePage.undo,
        "/finish": FinishPage.finish,
        "/reviewer": OverviewPage.setReviewer,
        "/accept": ProposalPages.accept,
        "/reject": ProposalPages.reject,
        "/merge": RunPages.merge,
        "/exec": ExamplePage.runSystem,
        "/exec-verdict": ExamplePage.setSystemVerdict,
    ]
}
