// The installer's end of the trust chain (ADR 0020): nothing is downloaded, unpacked or switched
// unless a locally trusted, unrevoked key signed a statement for exactly that release.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/install/installer.hpp"
#include "tests/unit/agent/install/installer_fixture.hpp"

namespace waka::agent::install {
namespace {
namespace fs = std::filesystem;
using testing::InstallerFixture;

using Inventory = std::vector<model::InstalledComponent>;

class InstallerReleaseTest : public InstallerFixture {
protected:
    // The change with a statement for it signed by `by` instead.
    static model::ComponentChange SignedBy(const test::TestPublisher& by,
                                           model::ComponentChange change) {
        auto signed_statement = by.Sign(change.type, change.name, change.to_version,
                                        change.artifact_sha256, change.size);
        change.release_statement = signed_statement.statement;
        change.release_signature = signed_statement.signature;
        return change;
    }

    // Installs suite:commerce 1.0.0 (signed), expects it current and answers its change.
    model::ComponentChange InstallFirstVersion() {
        auto change = Publish("suite", "commerce", "1.0.0");
        auto first = Run(Op("op-first", {change}));
        EXPECT_EQ(first.outcome, model::Outcome::kSucceeded) << first.error;
        return change;
    }

    // Runs the change and expects it refused before anything changed: failed with `reason` in its
    // error, 1.0.0 still current, the refused version neither downloaded nor unpacked.
    void ExpectRefused(const model::ComponentChange& change, const std::string& reason) {
        auto r = Run(Op("op-refused", {From(change, "1.0.0")}));
        EXPECT_EQ(r.outcome, model::Outcome::kFailed);
        EXPECT_NE(r.error.find(reason), std::string::npos) << r.error;
        EXPECT_EQ(InventoryOf(state_), (Inventory{{"suite", "commerce", "1.0.0"}}));
        EXPECT_FALSE(fs::exists(state_ / "downloads" / (change.artifact_sha256 + ".tar.gz")));
        EXPECT_FALSE(fs::exists(ComponentDir("suite-commerce") / change.to_version));
    }
};

TEST_F(InstallerReleaseTest, SignedReleaseIsInstalled) {
    InstallFirstVersion();
    auto r = Run(Op("op-2", {From(Publish("suite", "commerce", "1.1.0"), "1.0.0")}));
    ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
    EXPECT_EQ(InventoryOf(state_), (Inventory{{"suite", "commerce", "1.1.0"}}));
}

TEST_F(InstallerReleaseTest, UnsignedReleaseIsRefused) {
    InstallFirstVersion();
    auto change = Publish("suite", "commerce", "1.1.0");
    change.release_statement.clear();
    change.release_signature.clear();
    ExpectRefused(change, "no signed release statement");
}

TEST_F(InstallerReleaseTest, TamperedStatementIsRefused) {
    InstallFirstVersion();
    auto change = Publish("suite", "commerce", "1.1.0");
    // Still canonical, still naming the trusted key: only the signature can tell.
    const std::string signed_day = "\"signed_at\":\"2026-12-01";
    const auto at = change.release_statement.find(signed_day);
    ASSERT_NE(at, std::string::npos) << change.release_statement;
    change.release_statement.replace(at, signed_day.size(), "\"signed_at\":\"2026-12-02");
    ExpectRefused(change, "signature does not verify");
}

TEST_F(InstallerReleaseTest, StatementOfAnotherVersionIsRefused) {
    InstallFirstVersion();
    auto change = Publish("suite", "commerce", "1.1.0");
    const auto other = Publish("suite", "commerce", "1.2.0");
    change.release_statement = other.release_statement;
    change.release_signature = other.release_signature;
    ExpectRefused(change, "release statement is for version '1.2.0', not '1.1.0'");
}

// A compromised coordinator serves its own bundle and names its digest in the instruction: the
// publisher's statement still names the bundle it signed.
TEST_F(InstallerReleaseTest, ReplacedBundleIsRefused) {
    InstallFirstVersion();
    auto change = Publish("suite", "commerce", "1.1.0");
    testing::ArchiveBuilder evil;
    evil.BundleJson("suite", "commerce", "1.1.0").Hook("pre-activate", "echo owned");
    const auto replaced = PublishArchive("suite", "commerce", "1.1.0", evil);
    change.artifact_sha256 = replaced.artifact_sha256;
    change.size = replaced.size;
    change.download_path = replaced.download_path;
    ExpectRefused(change, "release statement is for sha256");
    EXPECT_TRUE(HookLog().size() == 3u) << "only the first version's hooks ran";
}

TEST_F(InstallerReleaseTest, UnknownKeyIsRefused) {
    InstallFirstVersion();
    test::TestPublisher stranger;
    auto change = SignedBy(stranger, Publish("suite", "commerce", "1.1.0"));
    ExpectRefused(change, "signed by unknown key " + stranger.KeyId());
}

TEST_F(InstallerReleaseTest, RevokedKeyIsRefusedWhileItsFileIsInstalled) {
    InstallFirstVersion();
    auto options = Options(state_);
    options.release_trust.revoked_key_ids = {publisher_.KeyId()};
    auto r = Run(Op("op-revoked", {From(Publish("suite", "commerce", "1.1.0"), "1.0.0")}), options);
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("signed by revoked key " + publisher_.KeyId()), std::string::npos)
        << r.error;
    EXPECT_EQ(InventoryOf(state_), (Inventory{{"suite", "commerce", "1.0.0"}}));
}

TEST_F(InstallerReleaseTest, HostWithoutKeysRefusesEverySignedRelease) {
    fs::remove_all(release_keys_);
    auto r = Run(Op("op-1", {Publish("suite", "commerce", "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("trusts no release key"), std::string::npos) << r.error;
    EXPECT_TRUE(InventoryOf(state_).empty());
}

// A key added for a rotation is read by the next operation, without a restart.
TEST_F(InstallerReleaseTest, KeyInstalledLaterIsTrustedByTheNextOperation) {
    InstallFirstVersion();
    test::TestPublisher next_key;
    auto change = SignedBy(next_key, Publish("suite", "commerce", "1.1.0"));
    ExpectRefused(change, "unknown key");
    next_key.InstallPublicKey(release_keys_, "next");
    auto r = Run(Op("op-rotated", {From(change, "1.0.0")}));
    ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
}

// A version directory is reused (a rollback, a re-deploy) only when it was unpacked from the
// artifact the statement names.
TEST_F(InstallerReleaseTest, ExistingVersionDirectoryIsReverifiedBeforeReuse) {
    const auto first = InstallFirstVersion();
    const auto second = Publish("suite", "commerce", "1.1.0");
    ASSERT_EQ(Run(Op("op-2", {From(second, "1.0.0")})).outcome, model::Outcome::kSucceeded);
    // Untouched, the directory is reused both ways.
    ASSERT_EQ(Run(Op("op-3", {From(first, "1.1.0")})).outcome, model::Outcome::kSucceeded);
    ASSERT_EQ(Run(Op("op-4", {From(second, "1.0.0")})).outcome, model::Outcome::kSucceeded);
    std::ofstream(ComponentDir("suite-commerce") / ".artifact-1.0.0", std::ios::trunc)
        << std::string(64, 'e');
    auto back = Run(Op("op-back", {From(first, "1.1.0")}));
    EXPECT_EQ(back.outcome, model::Outcome::kFailed);
    EXPECT_NE(back.error.find("existing version directory was unpacked from artifact eeee"),
              std::string::npos)
        << back.error;
    EXPECT_EQ(InventoryOf(state_), (Inventory{{"suite", "commerce", "1.1.0"}}));
}

TEST_F(InstallerReleaseTest, UnsignedReleaseIsInstalledOnlyWhenSignaturesAreNotRequired) {
    auto change = Publish("suite", "commerce", "1.0.0");
    change.release_statement.clear();
    change.release_signature.clear();
    auto options = Options(state_);
    options.release_trust.require_signed = false;
    auto r = Run(Op("op-dev", {change}), options);
    ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
}

model::SignedFloor FloorOf(const test::TestPublisher& by, const std::string& min_version) {
    auto decoded =
        release::DecodeFloorFile(by.FloorFile("suite", "commerce", min_version, "CVE-1"));
    return {decoded->statement, decoded->signature};
}

// Floors (ADR 0022): whatever the instruction's kind, nothing below the highest floor this host
// has accepted is installed; the floor is kept across operations (and installer instances).
TEST_F(InstallerReleaseTest, FloorRefusesAVersionBelowItWhateverTheKind) {
    const auto first = InstallFirstVersion();
    const auto second = Publish("suite", "commerce", "1.1.0");
    auto op = Op("op-2", {From(second, "1.0.0")});
    op.floors = {FloorOf(publisher_, "1.1.0")};
    ASSERT_EQ(Run(op).outcome, model::Outcome::kSucceeded);

    auto rollback = Op("op-rollback", {From(first, "1.1.0")});
    rollback.kind = "rollback";  // no floor in this instruction: the kept one holds
    auto r = Run(rollback);
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("suite:commerce 1.0.0 refused: below the floor 1.1.0 (CVE-1)"),
              std::string::npos)
        << r.error;
    EXPECT_EQ(InventoryOf(state_), (Inventory{{"suite", "commerce", "1.1.0"}}));
}

TEST_F(InstallerReleaseTest, FloorIsNeverLoweredAndOnlyTrustedFloorsCount) {
    const auto first = InstallFirstVersion();
    ASSERT_EQ(Run(Op("op-2", {From(Publish("suite", "commerce", "1.1.0"), "1.0.0")})).outcome,
              model::Outcome::kSucceeded);
    test::TestPublisher stranger;
    auto ignored = Op("op-3", {From(Publish("suite", "commerce", "1.2.0"), "1.1.0")});
    ignored.floors = {FloorOf(stranger, "9.0.0")};  // not trusted here: no effect
    ASSERT_EQ(Run(ignored).outcome, model::Outcome::kSucceeded);

    auto high = Op("op-4", {});
    high.floors = {FloorOf(publisher_, "1.2.0")};
    ASSERT_EQ(Run(high).outcome, model::Outcome::kSucceeded);
    auto lowered = Op("op-5", {From(first, "1.2.0")});
    lowered.floors = {FloorOf(publisher_, "1.0.0")};  // a lower floor does not lower it
    auto r = Run(lowered);
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("below the floor 1.2.0"), std::string::npos) << r.error;
    auto kept = Installer(Options(state_), fetcher_).Floors();
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->at("suite:commerce").min_version, "1.2.0");
}

}  // namespace
}  // namespace waka::agent::install
