#pragma once

#include <filesystem>
#include <string>

#include "shared/core/error.hpp"

// The password of the pool's connections may live in a file of its own (database.password_file),
// written by Vault Agent or delivered by systemd; it is read again for every connection opened, so
// a rotated password is used from the next reconnect on, without a restart (ADR 0029).
namespace waka::coordinator::db {

// True when the libpq connection string or postgresql:// URL carries a password. An unparsable
// string answers false (connecting then reports it).
[[nodiscard]] bool HasPassword(const std::string& url);

// The file's content as a password: one trailing newline (or CRLF) removed. Errc::kIo when it
// cannot be read, kInvalidArgument when it is empty, larger than 4 KiB or holds a line break
// or NUL. Never puts the content in a message.
[[nodiscard]] Expected<std::string> ReadPasswordFile(const std::filesystem::path& path);

// `url` (keyword=value or postgresql:// form) as a keyword=value string with `password` added.
// kInvalidArgument, without the string in the message, when libpq cannot parse `url`.
[[nodiscard]] Expected<std::string> WithPassword(const std::string& url,
                                                 const std::string& password);

}  // namespace waka::coordinator::db
