import { OffsetPageQuery } from '../../../common/http/offset-page.query.js';

export class ListUsersQuery extends OffsetPageQuery {}
