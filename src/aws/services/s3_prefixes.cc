#include "aws/services/s3_prefixes.h"

#include <fmt/format.h>

#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"
#include "aws/protocol/rest_xml.h"

namespace cirt::aws::s3 {

Result<std::vector<std::string>> ListCommonPrefixes(
    Client& client, const std::string& bucket, const std::string& prefix,
    const std::string& delimiter) {
  std::vector<std::string> prefixes;
  Status status =
      Paginate([&](const std::string& token) -> Result<std::string> {
        QueryParams query{{"list-type", "2"}, {"delimiter", delimiter}};
        if (!prefix.empty()) query.emplace("prefix", prefix);
        if (!token.empty())
          query.emplace(std::string(kS3ContinuationToken.input), token);
        CIRT_ASSIGN_OR_RETURN(
            Response response,
            client.Call(MakeRestXmlRequest(
                "s3", "GET", fmt::format("/{}", UriEncode(bucket)), query)));
        CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                              XmlResponse::Parse(response.body));
        for (pugi::xml_node item : xml.root().children("CommonPrefixes"))
          prefixes.push_back(ChildText(item, "Prefix"));
        return NextTokenFromXml(xml.root(), kS3ContinuationToken);
      });
  CIRT_RETURN_IF_ERROR(status);
  return prefixes;
}

}  // namespace cirt::aws::s3
