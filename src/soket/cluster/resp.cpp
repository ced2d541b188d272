#include "soket/cluster/resp.hpp"

#include <hiredis.h>

#include <algorithm>
#include <new>
#include <stdexcept>

namespace soket::cluster {
namespace {

// hiredis builds replies through these callbacks. The root reply is heap-allocated and owned by
// hiredis until it hands it out; each child lives in its parent's `elements`. hiredis fills an
// array's elements in order and only ever points at the arrays still being read, which no later
// push_back moves, so the pointers it keeps stay valid. Nothing may throw through C: an
// allocation failure returns null, which hiredis reports as an error.
RedisReply* create(const redisReadTask* task, RedisReply::Type type) noexcept {
  try {
    if (!task->parent) {
      auto* root = new RedisReply;
      root->type = type;
      return root;
    }
    auto* parent = static_cast<RedisReply*>(task->parent->obj);
    RedisReply& child = parent->elements.emplace_back();
    child.type = type;
    return &child;
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  RedisReply::Type type = task->type == REDIS_REPLY_ERROR    ? RedisReply::Type::error
                          : task->type == REDIS_REPLY_STATUS ? RedisReply::Type::status
                                                             : RedisReply::Type::string;
  try {
    std::string text(str, len);  // before the reply exists: a failure here leaks nothing
    RedisReply* reply = create(task, type);
    if (reply) reply->str = std::move(text);
    return reply;
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

void* create_array(const redisReadTask* task, int elements) {
  RedisReply* reply = create(task, RedisReply::Type::array);
  if (!reply) return nullptr;
  try {
    // The count is the server's word, up to INT_MAX: reserve a little, grow with what arrives.
    reply->elements.reserve(static_cast<std::size_t>(std::min(elements, 1024)));
  } catch (const std::bad_alloc&) {
    // Not fatal: the elements are added one by one anyway.
  }
  return reply;
}

void* create_integer(const redisReadTask* task, long long value) {
  RedisReply* reply = create(task, RedisReply::Type::integer);
  if (reply) reply->integer = value;
  return reply;
}

void* create_nil(const redisReadTask* task) {
  return create(task, RedisReply::Type::nil);
}

void free_object(void* reply) {
  delete static_cast<RedisReply*>(reply);  // only ever called with a root
}

redisReplyObjectFunctions kFunctions = {create_string, create_array, create_integer, create_nil,
                                        free_object};

}  // namespace

std::string format_command(std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* command = nullptr;
  int size =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (size < 0 || !command) throw std::bad_alloc();
  std::string out(command, static_cast<std::size_t>(size));
  redisFreeCommand(command);
  return out;
}

struct RespReader::Impl {
  redisReader* reader = nullptr;
  std::size_t max_buffer = 0;
  std::size_t held = 0;  // bytes fed that belong to no reply handed out yet
  std::string broken;    // why the reader is unusable, once it is

  [[noreturn]] void fail(std::string message) {
    broken = std::move(message);
    throw std::runtime_error(broken);
  }
  void check() const {
    if (!broken.empty()) throw std::runtime_error(broken);
  }
};

RespReader::RespReader(std::size_t max_buffer) : impl_(std::make_unique<Impl>()) {
  impl_->reader = redisReaderCreateWithFunctions(&kFunctions);
  if (!impl_->reader) throw std::bad_alloc();
  impl_->max_buffer = max_buffer;
}

RespReader::~RespReader() {
  redisReaderFree(impl_->reader);
}

void RespReader::feed(std::string_view bytes) {
  impl_->check();
  if (bytes.size() > impl_->max_buffer - impl_->held)
    impl_->fail("bad redis reply: larger than " + std::to_string(impl_->max_buffer) + " bytes");
  if (bytes.empty()) return;
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK)
    impl_->fail(std::string("bad redis reply: ") + impl_->reader->errstr);
  impl_->held += bytes.size();
}

std::optional<RedisReply> RespReader::next() {
  impl_->check();
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK)
    impl_->fail(std::string("bad redis reply: ") + impl_->reader->errstr);
  if (!raw) return std::nullopt;
  std::unique_ptr<RedisReply> reply(static_cast<RedisReply*>(raw));
  impl_->held = impl_->reader->len - impl_->reader->pos;
  return std::move(*reply);
}

}  // namespace soket::cluster
