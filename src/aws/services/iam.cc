#include "aws/services/iam.h"

#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"

namespace cirt::aws::iam {

namespace {

constexpr std::string_view kVersion = "2010-05-08";

// One IAM List* operation, all pages; `decode` reads one <member>.
template <class Item, class Decode>
Result<std::vector<Item>> ListAll(Client& client, std::string_view action,
                                  QueryParams params, const char* list_element,
                                  int page_size, Decode decode) {
  std::vector<Item> items;
  if (page_size > 0) params.emplace("MaxItems", std::to_string(page_size));
  Status status =
      Paginate([&](const std::string& token) -> Result<std::string> {
        QueryParams page_params = params;
        if (!token.empty())
          page_params.emplace(std::string(kMarker.input), token);
        CIRT_ASSIGN_OR_RETURN(Response response,
                              client.Call(MakeQueryRequest(
                                  "iam", action, kVersion, page_params)));
        CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                              XmlResponse::Parse(response.body));
        pugi::xml_node result = xml.ResultNode(action);
        for (pugi::xml_node member :
             result.child(list_element).children("member")) {
          items.push_back(decode(member));
        }
        return NextTokenFromXml(result, kMarker);
      });
  CIRT_RETURN_IF_ERROR(status);
  return items;
}

}  // namespace

Result<std::vector<User>> ListUsers(Client& client, int page_size) {
  return ListAll<User>(
      client, "ListUsers", {}, "Users", page_size, [](pugi::xml_node member) {
        return User{ChildText(member, "UserName"), ChildText(member, "UserId"),
                    ChildText(member, "Arn"), ChildText(member, "Path"),
                    ChildText(member, "CreateDate")};
      });
}

Result<std::vector<AccessKeyMetadata>> ListAccessKeys(
    Client& client, const std::string& user_name, int page_size) {
  return ListAll<AccessKeyMetadata>(
      client, "ListAccessKeys", {{"UserName", user_name}}, "AccessKeyMetadata",
      page_size, [](pugi::xml_node member) {
        return AccessKeyMetadata{
            ChildText(member, "UserName"), ChildText(member, "AccessKeyId"),
            ChildText(member, "Status"), ChildText(member, "CreateDate")};
      });
}

}  // namespace cirt::aws::iam
