package mockserver

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ErrorShape is how the server words its error answers. The public docs do not fix Circularo's, so
// tests run the client against each shape that JSON APIs commonly use.
type ErrorShape string

// The error shapes; the zero value means ErrorShapeFlat.
const (
	ErrorShapeFlat   ErrorShape = "flat"   // {"code": "c", "message": "m"}
	ErrorShapeString ErrorShape = "string" // {"error": "m"}: the message alone, no code
	ErrorShapeNested ErrorShape = "nested" // {"error": {"code": "c", "message": "m"}}
	ErrorShapeList   ErrorShape = "list"   // {"errors": [{"code": "c", "message": "m"}]}
	// ErrorShapeJSONAPI is JSON:API's: {"errors": [{"status": "404", "code": "c", "title": "Not Found", "detail": "m"}]}.
	ErrorShapeJSONAPI ErrorShape = "jsonapi"
)

// ErrorShapes returns every ErrorShape, for flags and table tests.
func ErrorShapes() []ErrorShape {
	return []ErrorShape{ErrorShapeFlat, ErrorShapeString, ErrorShapeNested, ErrorShapeList, ErrorShapeJSONAPI}
}

// ParseErrorShape checks a shape's name; "" is the default, flat.
func ParseErrorShape(name string) (ErrorShape, error) {
	if name == "" {
		return ErrorShapeFlat, nil
	}
	for _, shape := range ErrorShapes() {
		if ErrorShape(name) == shape {
			return shape, nil
		}
	}
	names := make([]string, 0, len(ErrorShapes()))
	for _, shape := range ErrorShapes() {
		names = append(names, string(shape))
	}
	return "", fmt.Errorf("unknown error shape %q: want one of %s", name, strings.Join(names, ", "))
}

// errorBody is an error answer before it takes the server's ErrorShape (see Server.write).
type errorBody struct {
	status        int
	code, message string
}

func (shape ErrorShape) render(e errorBody) any {
	flat := map[string]string{"code": e.code, "message": e.message}
	switch shape {
	case ErrorShapeString:
		return map[string]string{"error": e.message}
	case ErrorShapeNested:
		return map[string]any{"error": flat}
	case ErrorShapeList:
		return map[string]any{"errors": []any{flat}}
	case ErrorShapeJSONAPI:
		return map[string]any{"errors": []any{map[string]string{
			"status": strconv.Itoa(e.status), "code": e.code, "title": http.StatusText(e.status), "detail": e.message,
		}}}
	}
	return flat
}
