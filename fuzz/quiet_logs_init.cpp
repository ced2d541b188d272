// Every target starts with the library's logs off: libFuzzer's own output is what is read.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  soket::fuzz::quiet_logs();
  return 0;
}
