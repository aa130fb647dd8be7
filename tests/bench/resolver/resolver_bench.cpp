#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "coordinator/resolver/resolver.hpp"

// Resolution time on synthetic catalogs (figures in docs/benchmarks.md). Catalogs are seeded, so
// every run measures the same problems; building the index is measured apart because a catalog is
// indexed once and then resolved many times.
namespace waka::coordinator::resolver {
namespace {

constexpr int kReleases = 100;  // 5 majors x 20 minors

std::string Key(int i) { return "capability:c" + std::to_string(i); }

std::string VersionText(int r) {
    return std::to_string(1 + r / 20) + "." + std::to_string(r % 20) + ".0";
}

// A random range over the 5 x 20 versions: a caret, a tilde-like window or an open lower bound.
std::string RandomRange(std::mt19937& rng) {
    std::uniform_int_distribution<int> major(1, 5);
    std::uniform_int_distribution<int> minor(0, 19);
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
        case 0:
            return "^" + std::to_string(major(rng));
        case 1: {
            const int m = major(rng);
            const int lo = minor(rng);
            return ">=" + std::to_string(m) + "." + std::to_string(lo) + ".0 <" +
                   std::to_string(m + 1) + ".0.0";
        }
        default:
            return ">=" + std::to_string(major(rng)) + ".0.0";
    }
}

// Component i depends on up to 3 components of higher index (a DAG: no cycles), each release
// with its own random range.
Catalog Synthetic(int components, unsigned seed) {
    std::mt19937 rng(seed);
    Catalog catalog;
    for (int i = 0; i < components; ++i) {
        std::vector<int> deps;
        for (int d = 0; d < 3 && i + 1 < components; ++d) {
            deps.push_back(std::uniform_int_distribution<int>(i + 1, components - 1)(rng));
        }
        auto& releases = catalog.components[Key(i)];
        for (int r = 0; r < kReleases; ++r) {
            Release release{VersionText(r), true, {}};
            for (int dep : deps) {
                release.dependencies[Key(dep)] = RandomRange(rng);
            }
            releases.push_back(std::move(release));
        }
    }
    return catalog;
}

// The ten first components requested at "latest", 5% of all components pinned to a major.
Request SyntheticRequest(int components, unsigned seed) {
    std::mt19937 rng(seed + 1);
    Request request;
    for (int i = 0; i < 10 && i < components; ++i) {
        request.constraints[Key(i)] = "latest";
    }
    for (int i = 0; i < components; ++i) {
        if (std::uniform_int_distribution<int>(0, 19)(rng) == 0) {
            request.pins.push_back(
                Pin{"pin-" + std::to_string(i), Key(i),
                    "^" + std::to_string(std::uniform_int_distribution<int>(1, 5)(rng)), "bench",
                    std::nullopt});
        }
    }
    return request;
}

void RunResolutions(benchmark::State& state, const Index& index, const Request& request) {
    std::size_t chosen = 0;
    bool resolved = false;
    for (auto _ : state) {
        auto result = Resolve(index, request);
        resolved = result.has_value();
        chosen = resolved ? result->versions.size() : 0;
        benchmark::DoNotOptimize(result);
    }
    state.counters["resolved"] = resolved ? 1 : 0;
    state.counters["components_chosen"] = static_cast<double>(chosen);
}

Index MustIndex(const Catalog& catalog) {
    auto index = BuildIndex(catalog);
    if (!index) {
        std::cerr << index.error().message << "\n";
        std::abort();
    }
    return std::move(*index);
}

void BM_ResolveSynthetic(benchmark::State& state) {
    const int components = static_cast<int>(state.range(0));
    const auto seed = static_cast<unsigned>(state.range(1));
    const Index index = MustIndex(Synthetic(components, seed));
    RunResolutions(state, index, SyntheticRequest(components, seed));
}
BENCHMARK(BM_ResolveSynthetic)
    ->ArgsProduct({{100, 1000}, {1, 2, 3}})
    ->Unit(benchmark::kMillisecond);

void BM_BuildIndex(benchmark::State& state) {
    const Catalog catalog = Synthetic(static_cast<int>(state.range(0)), 1);
    for (auto _ : state) {
        auto index = BuildIndex(catalog);
        benchmark::DoNotOptimize(index);
    }
}
BENCHMARK(BM_BuildIndex)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Adversarial: a chain of 1,000 components where neighbours must share a major, the first is
// requested at latest (major 5) and the last only exists in major 1. Without learning this is a
// search over 5^1000 combinations.
Catalog MajorChain(int components) {
    Catalog catalog;
    for (int i = 0; i < components; ++i) {
        auto& releases = catalog.components[Key(i)];
        for (int r = 0; r < kReleases; ++r) {
            const int major = 1 + r / 20;
            if (i + 1 == components && major != 1) {
                continue;
            }
            Release release{VersionText(r), true, {}};
            if (i + 1 < components) {
                release.dependencies[Key(i + 1)] = "^" + std::to_string(major);
            }
            releases.push_back(std::move(release));
        }
    }
    return catalog;
}

void BM_AdversarialMajorChain(benchmark::State& state) {
    const int components = static_cast<int>(state.range(0));
    const Index index = MustIndex(MajorChain(components));
    Request request;
    request.constraints[Key(0)] = "latest";
    RunResolutions(state, index, request);
}
BENCHMARK(BM_AdversarialMajorChain)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Adversarial: 1,000 suites whose 99 newest releases need a platform >= 2 while the platform is
// pinned to 1.x: every suite must walk down to its oldest release.
Catalog PinnedPlatform(int suites) {
    Catalog catalog;
    for (int r = 0; r < kReleases; ++r) {
        catalog.components["platform:p"].push_back(Release{VersionText(r), true, {}});
    }
    for (int i = 0; i < suites; ++i) {
        auto& releases = catalog.components[Key(i)];
        for (int r = 0; r < kReleases; ++r) {
            Release release{VersionText(r), true, {}};
            // Distinct ranges per release, so no two releases share one incompatibility.
            release.dependencies["platform:p"] =
                r == 0 ? "^1" : ">=2.0.0 <" + std::to_string(100 + r) + ".0.0";
            releases.push_back(std::move(release));
        }
    }
    return catalog;
}

void BM_AdversarialPinnedPlatform(benchmark::State& state) {
    const int suites = static_cast<int>(state.range(0));
    const Index index = MustIndex(PinnedPlatform(suites));
    Request request;
    for (int i = 0; i < suites; ++i) {
        request.constraints[Key(i)] = "latest";
    }
    request.pins.push_back(Pin{"pin-legacy", "platform:p", "^1", "legacy ERP", std::nullopt});
    RunResolutions(state, index, request);
}
BENCHMARK(BM_AdversarialPinnedPlatform)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Adversarial refusal: the major chain with its last link pinned to a major nobody can reach.
void BM_AdversarialUnsatisfiable(benchmark::State& state) {
    const int components = static_cast<int>(state.range(0));
    const Index index = MustIndex(MajorChain(components));
    Request request;
    request.constraints[Key(0)] = ">=2.0.0";
    RunResolutions(state, index, request);
}
BENCHMARK(BM_AdversarialUnsatisfiable)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace waka::coordinator::resolver

BENCHMARK_MAIN();
