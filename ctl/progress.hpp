#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

// The live progress line of --wait: how far a deployment has come, from its plan and its latest
// agent step. The agent reports steps per component in phases (download and unpack of each
// component, then pre_activate, switch and post_activate of each, then health_check of each, then
// one commit), so a step and a component place the work on one scale.
namespace waka::ctl {

// The fraction done (0..1) after `step` of `component` ("type:name"), or nullopt when the step is
// not one of the phases (e.g. rollback) or the component is not in the deployment's plan.
std::optional<double> ProgressFraction(const boost::json::value& deployment,
                                       const std::string& step, const std::string& component);

// "[#########-----------]  45%" for a fraction, `width` cells between the brackets.
std::string ProgressBar(double fraction, int width = 20);

// The plan's total size ("12.3 MB", "812 KB", "0 B"), empty when the plan has no sizes.
std::string PlanSize(const boost::json::value& deployment);

// A byte count in decimal units as PlanSize writes it ("4.2 MB", "812 B").
std::string HumanBytes(double bytes);

// "4.2 MB / 10.5 MB" from the agent's latest report ("progress" of GET /deployments/{id}) when it
// is about `step` and counts bytes; empty otherwise.
std::string TransferText(const boost::json::value& deployment, const std::string& step);

}  // namespace waka::ctl
