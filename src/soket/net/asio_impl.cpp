// Boost.Asio is built once here (BOOST_ASIO_SEPARATE_COMPILATION) instead of in every file that
// includes it: a large saving in build time.
#include <boost/asio/impl/src.hpp>
