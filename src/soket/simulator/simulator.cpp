#include "soket/simulator/simulator.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "soket/net/endpoint.hpp"
#include "soket/simulator/tcp_device.hpp"
#include "soket/simulator/udp_device.hpp"

namespace soket::simulator {

namespace {

// A numeric address as is, else the first address the resolver gives.
net::asio::ip::address resolve_host(net::asio::io_context& io, const std::string& host) {
  if (auto endpoint = net::make_endpoint(host, 0)) return endpoint->address();
  net::tcp::resolver resolver(io);
  net::error_code ec;
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve host '" + host +
                             "': " + (ec ? ec.message() : std::string("no address")));
  }
  return results.begin()->endpoint().address();
}

}  // namespace

Simulator::Simulator(net::asio::io_context& io, SimulatorOptions options)
    : io_(io), context_(std::make_shared<DeviceContext>()) {
  if (auto problem = validate_options(options); !problem.empty()) {
    throw std::invalid_argument("simulator: " + problem);
  }
  context_->options = std::move(options);
  plan_ = plan_devices(context_->options);
}

Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  if (started_ || stopped_) throw std::logic_error("simulator: start() may be called once");
  const auto& o = context_->options;
  auto address = resolve_host(io_, o.host);
  started_ = true;
  context_->started = std::chrono::steady_clock::now();
  for (const auto& device : plan_) {
    if (device.transport == Transport::udp) {
      udp_devices_.push_back(std::make_shared<UdpDevice>(io_, device, context_,
                                                         net::udp::endpoint(address, o.udp_port)));
    } else {
      tcp_devices_.push_back(std::make_shared<TcpDevice>(io_, device, context_,
                                                         net::tcp::endpoint(address, o.tcp_port)));
    }
  }
  for (auto& d : tcp_devices_)
    d->start();
  for (auto& d : udp_devices_)
    d->start();
  spdlog::info("simulator: {} devices ({} TCP to {}:{}, {} UDP to port {}), a day every {:.1f} min",
               plan_.size(), tcp_devices_.size(), address.to_string(), o.tcp_port,
               udp_devices_.size(), o.udp_port, 24 * 60 / o.time_scale);
}

void Simulator::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& d : tcp_devices_)
    d->stop();
  for (auto& d : udp_devices_)
    d->stop();
}

SimulatorStats Simulator::stats() const {
  SimulatorStats s;
  s.devices = plan_.size();
  for (const auto& d : plan_)
    (d.transport == Transport::udp ? s.udp_devices : s.tcp_devices)++;
  context_->counters.fill(s);
  return s;
}

double Simulator::simulated_hour() const {
  if (!started_) return context_->options.start_hour;
  return hour_of_day(context_->sim_hours_now());
}

}  // namespace soket::simulator
