#pragma once

#include <pqxx/pqxx>
#include <string>

#include "shared/core/clock.hpp"

// The agent_certificates table's writes shared by the instance repository's transactions.
namespace waka::coordinator::pg {

// Revokes every certificate of the instance not revoked yet, with the reason.
void RevokeCertificates(pqxx::work& tx, const std::string& instance_id, TimePoint now,
                        const std::string& reason);

}  // namespace waka::coordinator::pg
