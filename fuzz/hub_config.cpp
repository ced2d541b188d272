// soket.toml (the hub's config file): any text either loads or is refused with a
// std::runtime_error naming the problem; never a crash.
#include <stdexcept>
#include <string>

#include "fuzz_common.hpp"
#include "soket/hub/config.hpp"

using namespace soket;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_view(data, size);
  hub::HubConfig config;
  try {
    hub::load_config_text(text, config, "fuzz.toml");
  } catch (const std::runtime_error& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
    return 0;
  }
  for (const auto& alley : config.alleys) {
    if (alley.schedule_on_minute)
      FUZZ_CHECK(*alley.schedule_on_minute >= 0 && *alley.schedule_on_minute < 24 * 60);
    if (alley.schedule_off_minute)
      FUZZ_CHECK(*alley.schedule_off_minute >= 0 && *alley.schedule_off_minute < 24 * 60);
  }
  if (auto minute = hub::parse_clock(text)) FUZZ_CHECK(*minute >= 0 && *minute < 24 * 60);
  return 0;
}
