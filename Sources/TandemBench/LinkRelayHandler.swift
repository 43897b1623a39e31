import NIOCore

/// Sits on one socket of a relayed pair: what it reads feeds one direction; the other direction writes into
/// its channel. Carries closes and writability changes to both.
final class LinkRelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// The direction this channel's reads feed.
    private var reads: LinkDirection?
    /// The direction that writes into this channel.
    private var writes: LinkDirection?

    init(reads: LinkDirection, writes: LinkDirection) {
        self.reads = reads
        self.writes = writes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reads?.receive(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        reads?.inputClosed()
        writes?.outputClosed()
        // Drop the references so the pair of channels and directions can be freed.
        reads = nil
        writes = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writes?.outputWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or a failed write: the link is down; closing carries that to the other side.
        context.close(promise: nil)
    }
}
