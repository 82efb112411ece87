// Value formatting for meshctl's tables: booleans, durations, milliseconds and proto enum values in
// their short lower-case form (HEALTH_STATE_HEALTHY → "healthy"). Pure functions.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

namespace meshlet::meshctl {

std::string yes_no(bool b);

// Whole seconds as "45s", "3m7s", "2h0m5s", "3d4h0m0s"; negative or not finite → "-".
std::string format_duration(double seconds);

// Two decimals ("12.35"); not finite → "-".
std::string format_ms(double ms);

// An enum value without its type prefix, lower case; the *_UNSPECIFIED value (0) → "-", a number
// the enum does not know → the number itself.
std::string enum_short(const google::protobuf::EnumDescriptor* type, int value);

} // namespace meshlet::meshctl
