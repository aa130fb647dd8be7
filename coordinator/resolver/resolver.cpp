#include "coordinator/resolver/resolver.hpp"

#include "coordinator/resolver/solver.hpp"

namespace waka::coordinator::resolver {

Expected<Resolution> Resolve(const Index& index, const Request& request) {
    Solver solver(index);
    return solver.Run(request);
}

Expected<std::optional<std::string>> WhyNot(const Index& index, Request request,
                                            const std::string& component,
                                            const std::string& version) {
    request.constraints[component] = version;
    auto result = Resolve(index, request);
    if (result) {
        return std::optional<std::string>();
    }
    if (result.error().Is(Errc::kConflict)) {
        return std::optional<std::string>(result.error().message);
    }
    return result.error();
}

Expected<Resolution> Resolve(const Catalog& catalog, const Request& request) {
    auto index = BuildIndex(catalog);
    if (!index) {
        return index.error();
    }
    return Resolve(*index, request);
}

}  // namespace waka::coordinator::resolver
