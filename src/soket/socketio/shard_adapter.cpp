#include "soket/socketio/shard_adapter.hpp"

#include "soket/socketio/namespace.hpp"
#include "soket/socketio/shard_links.hpp"

namespace soket::socketio {

ShardAdapter::ShardAdapter(Namespace& nsp, ShardLinks& links, std::size_t shard)
    : ClusterAdapter(nsp, {}, shard_uid(shard)), links_(links), shard_(shard) {
  links_.add(shard_, nsp_.name(), this);
}

ShardAdapter::~ShardAdapter() {
  links_.remove(shard_, nsp_.name());
}

AdapterOp ShardAdapter::make_op(AdapterOp::Kind kind, const BroadcastOptions& options) const {
  AdapterOp op;
  op.kind = kind;
  op.nsp = nsp_.name();
  op.options = options;
  return op;
}

void ShardAdapter::broadcast(const EncodedPacket& packet, const BroadcastOptions& options) {
  auto op = make_op(AdapterOp::Kind::broadcast, options);
  op.packet = packet;  // shares the encoded bytes, no copy of them
  if (!options.flags.local)
    links_.forward(shard_, std::make_shared<const AdapterOp>(std::move(op)));
  InMemoryAdapter::broadcast(packet, options);
}

void ShardAdapter::add_sockets(const BroadcastOptions& options, std::span<const Room> rooms) {
  auto op = make_op(AdapterOp::Kind::add_sockets, options);
  op.rooms.assign(rooms.begin(), rooms.end());
  if (!options.flags.local)
    links_.forward(shard_, std::make_shared<const AdapterOp>(std::move(op)));
  InMemoryAdapter::add_sockets(options, rooms);
}

void ShardAdapter::del_sockets(const BroadcastOptions& options, std::span<const Room> rooms) {
  auto op = make_op(AdapterOp::Kind::del_sockets, options);
  op.rooms.assign(rooms.begin(), rooms.end());
  if (!options.flags.local)
    links_.forward(shard_, std::make_shared<const AdapterOp>(std::move(op)));
  InMemoryAdapter::del_sockets(options, rooms);
}

void ShardAdapter::disconnect_sockets(const BroadcastOptions& options, bool close) {
  auto op = make_op(AdapterOp::Kind::disconnect_sockets, options);
  op.close = close;
  if (!options.flags.local)
    links_.forward(shard_, std::make_shared<const AdapterOp>(std::move(op)));
  InMemoryAdapter::disconnect_sockets(options, close);
}

void ShardAdapter::server_count(std::function<void(std::optional<std::size_t>)> done) {
  done(links_.size());
}

void ShardAdapter::do_publish(const ClusterMessage& message) {
  links_.publish(shard_, std::make_shared<const ClusterMessage>(message));
}

void ShardAdapter::do_publish_response(const std::string& requester,
                                       const ClusterMessage& response) {
  for (std::size_t i = 0; i < links_.size(); ++i) {
    if (shard_uid(i) == requester)
      return links_.respond(i, std::make_shared<const ClusterMessage>(response));
  }
}

void ShardAdapter::apply_local(const AdapterOp& op) {
  switch (op.kind) {
    case AdapterOp::Kind::broadcast:
      // Kept for this shard's clients that lose their connection (it carries the sending shard's
      // offset, so a client that resumes from it here starts a new session: never a silent gap).
      if (sessions_ && !op.options.flags.local) sessions_->keep(op.packet, op.options);
      return InMemoryAdapter::broadcast(op.packet, op.options);
    case AdapterOp::Kind::add_sockets:
      return InMemoryAdapter::add_sockets(op.options, op.rooms);
    case AdapterOp::Kind::del_sockets:
      return InMemoryAdapter::del_sockets(op.options, op.rooms);
    case AdapterOp::Kind::disconnect_sockets:
      return InMemoryAdapter::disconnect_sockets(op.options, op.close);
  }
}

}  // namespace soket::socketio
