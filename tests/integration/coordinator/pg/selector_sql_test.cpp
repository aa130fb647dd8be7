#include "coordinator/pg/selector_sql.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/instance_repository.hpp"
#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::pg {
namespace {

using test::RunSync;
using Labels = std::map<std::string, std::string>;

const TimePoint kStart = *ParseRfc3339("2026-12-01T10:00:00.000Z");
const domain::Principal kOperator{.actor = "token:ops", .role = domain::Role::kOperator};

// Instances whose labels cover every case of the semantics: key missing, empty value, other
// values, several keys.
const std::vector<std::pair<std::string, Labels>> kInstances{
    {"i-00-bare", {}},
    {"i-01-prod-lagos", {{"env", "prod"}, {"region", "lagos"}}},
    {"i-02-prod-abuja", {{"env", "prod"}, {"region", "abuja"}, {"canary", ""}}},
    {"i-03-dev", {{"env", "dev"}, {"legacy", "yes"}}},
    {"i-04-empty-env", {{"env", ""}, {"tier", "db"}}},
    {"i-05-odd", {{"env", "prod's \"x\""}, {"zone", "Ìbàdàn"}}},
};

const std::vector<std::string> kSelectors{
    "",
    "env=prod",
    "env!=prod",
    "env=",
    "env!=",
    "region in (lagos,abuja)",
    "region notin (lagos)",
    "region notin (lagos,abuja)",
    "canary",
    "!canary",
    "!legacy,env",
    "env in (prod,dev),!region",
    "tier!=db,zone notin (x)",
    "zone=Ìbàdàn",
    "nothing",
    "!nothing",
    "env=prod,region=lagos,canary",
};

class SelectorSqlTest : public ::testing::Test {
protected:
    void SetUp() override {
        database_ = test::OpenMigratedDatabase(2);
        store_ = std::make_unique<PgInstanceRepository>(*database_, clock_, audit_key_);
        for (const auto& [id, labels] : kInstances) {
            auto created = RunSync(store_->Create(kOperator, {id, labels, "hash-" + id, kStart}));
            ASSERT_TRUE(created) << created.error().message;
        }
    }

    // The ids the condition selects, by a bare query over the instances table.
    std::vector<std::string> SelectedBySql(const domain::Selector& selector) {
        std::vector<std::string> ids;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            const auto rows = tx.exec_params(
                "SELECT i.id FROM instances i WHERE " + SelectorCondition("i", 1) + " ORDER BY id",
                SelectorParam(selector));
            for (const auto& row : rows) {
                ids.push_back(row[0].as<std::string>());
            }
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return ids;
    }

    static std::vector<std::string> SelectedByDomain(const domain::Selector& selector) {
        std::vector<std::string> ids;
        for (const auto& [id, labels] : kInstances) {
            if (domain::Matches(selector, labels)) {
                ids.push_back(id);
            }
        }
        return ids;
    }

    FakeClock clock_{kStart};
    const AuditKey audit_key_ = *AuditKey::FromSecret(std::string(32, 'k'));
    std::unique_ptr<db::Database> database_;
    std::unique_ptr<PgInstanceRepository> store_;
};

TEST_F(SelectorSqlTest, SqlAndDomainAgreeOnEverySelector) {
    for (const auto& text : kSelectors) {
        auto selector = domain::ParseSelector(text);
        ASSERT_TRUE(selector) << text << ": " << selector.error().message;
        EXPECT_EQ(SelectedBySql(*selector), SelectedByDomain(*selector)) << text;
    }
    // A value with quotes travels as data, not as SQL.
    const domain::Selector quoted{{{"env", domain::SelectorOp::kIn, {"prod's \"x\""}}}};
    EXPECT_EQ(SelectedBySql(quoted), std::vector<std::string>{"i-05-odd"});
}

TEST_F(SelectorSqlTest, ParamIsTheRequirementsAsJson) {
    auto selector = domain::ParseSelector("region in (lagos,abuja),!legacy,canary,tier!=db");
    ASSERT_TRUE(selector);
    EXPECT_EQ(SelectorParam(*selector), R"([{"key":"canary","op":"exists","values":[]},)"
                                        R"({"key":"legacy","op":"notexists","values":[]},)"
                                        R"({"key":"region","op":"in","values":["abuja","lagos"]},)"
                                        R"({"key":"tier","op":"notin","values":["db"]}])");
    EXPECT_EQ(SelectorParam({}), "[]");
}

TEST_F(SelectorSqlTest, ListCombinesTheSelectorWithLabelsAndPaging) {
    ports::InstanceFilter filter;
    filter.selector = *domain::ParseSelector("region in (lagos,abuja)");
    auto listed = RunSync(store_->List(filter));
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 2U);
    EXPECT_EQ((*listed)[0].id, "i-01-prod-lagos");

    filter.labels = {{"canary", ""}};
    listed = RunSync(store_->List(filter));
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1U);
    EXPECT_EQ((*listed)[0].id, "i-02-prod-abuja");

    filter = {};
    filter.selector = *domain::ParseSelector("!region");
    filter.limit = 1;
    filter.after_id = "i-00-bare";
    listed = RunSync(store_->List(filter));
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1U);
    EXPECT_EQ((*listed)[0].id, "i-03-dev");
}

TEST_F(SelectorSqlTest, ReplaceLabelsIsAuditedInItsTransaction) {
    auto replaced =
        RunSync(store_->ReplaceLabels(kOperator, "i-03-dev", {{"env", "prod"}, {"tier", "web"}}));
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_EQ(replaced->labels, (Labels{{"env", "prod"}, {"tier", "web"}}));
    auto got = RunSync(store_->Get("i-03-dev"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->labels, replaced->labels);
    auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::read_transaction tx(c);
        auto entries = ListAudit(tx, {.action = "instance.labels.update"});
        EXPECT_TRUE(entries);
        EXPECT_EQ(entries->size(), 1U);
        EXPECT_EQ(entries->front().draft.details_json,
                  R"({"after": {"env": "prod", "tier": "web"}, "before": {"env": "dev", )"
                  R"("legacy": "yes"}})");
        auto verified = VerifyAudit(tx, audit_key_);
        EXPECT_TRUE(verified && verified->ok);
        return {};
    });
    EXPECT_TRUE(status) << status.error().message;

    auto missing = RunSync(store_->ReplaceLabels(kOperator, "nobody", {}));
    ASSERT_FALSE(missing);
    EXPECT_TRUE(missing.error().Is(Errc::kNotFound));
    ASSERT_TRUE(RunSync(store_->Decommission(kOperator, "i-03-dev")));
    auto gone = RunSync(store_->ReplaceLabels(kOperator, "i-03-dev", {}));
    ASSERT_FALSE(gone);
    EXPECT_TRUE(gone.error().Is(Errc::kConflict));
}

}  // namespace
}  // namespace waka::coordinator::pg
