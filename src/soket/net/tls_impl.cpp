// Boost.Asio's SSL support is built once here (BOOST_ASIO_SEPARATE_COMPILATION), see asio_impl.cpp.
#include <boost/asio/ssl/impl/src.hpp>
