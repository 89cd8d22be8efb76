#include <gtest/gtest.h>

#include "util/status.h"

namespace kspace {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd", "x");
  return x / 2;
}

Status Quarter(int x, int* out) {
  KS_ASSIGN_OR_RETURN(int h, Half(x));
  KS_ASSIGN_OR_RETURN(int q, Half(h));
  *out = q;
  return Status::Ok();
}

TEST(Status, CarriesCodeMessageAndField) {
  Status s = InvalidArgument("title is empty", "title");
  EXPECT_FALSE(s.ok());
  EXPECT_STREQ(CodeName(s.code()), "INVALID_ARGUMENT");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: title is empty (title)");
  EXPECT_TRUE(Status().ok());
}

TEST(Result, PropagatesThroughMacros) {
  int q = 0;
  EXPECT_TRUE(Quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = Quarter(6, &q);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "x");
}

}  // namespace
}  // namespace kspace
